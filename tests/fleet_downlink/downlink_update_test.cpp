// Downlink updates without a broker: the envelope, the signature, every field of the body (including every wrong
// JSON type), and the ledger's versioned, all-or-nothing apply.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "gatehouse/daemon/fleet/downlink_update.hpp"
#include "gatehouse/daemon/fleet/site_key.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::daemon::fleet;
using nlohmann::json;
namespace storage = gatehouse::storage;

namespace {

json deny_body(std::int64_t version) {
    return {{"format", "gatehouse.downlink/1"}, {"site", "campus"}, {"subject", "deny"}, {"version", version}, {"kind", "full"},
            {"issued_ms", 1}, {"entries", json::array({{{"person", "V1"}, {"note", "banned"}}, {{"person", "V2"}}})}};
}

std::string reason_of(const DownlinkDecoded& d) {
    const auto* r = std::get_if<DownlinkRefusal>(&d);
    return r ? r->reason : "applied";
}

}  // namespace

TEST_CASE("a signed full list decodes into one versioned update", "[fleet_downlink][decode]") {
    const auto keys = generate_site_key_pair();
    const auto decoded = decode_downlink(sign_envelope(deny_body(7).dump(), keys.secret_key), DownlinkSubject::deny, "campus", keys.public_key);
    REQUIRE(std::holds_alternative<DownlinkUpdate>(decoded));
    const auto& u = std::get<DownlinkUpdate>(decoded);
    CHECK(u.version == 7);
    REQUIRE(u.list);
    CHECK(u.list->full);
    CHECK(u.list->list == storage::PersonListKind::deny);
    REQUIRE(u.list->upserts.size() == 2);
    CHECK(u.list->upserts[0].person == "V1");
    CHECK(u.list->upserts[0].note == "banned");
}

TEST_CASE("unsigned, badly signed, foreign and misdirected updates are refused with their reason", "[fleet_downlink][decode]") {
    const auto keys = generate_site_key_pair();
    const auto other = generate_site_key_pair();
    const std::string body = deny_body(7).dump();
    CHECK(reason_of(decode_downlink(json{{"body", body}}.dump(), DownlinkSubject::deny, "campus", keys.public_key)) == "unsigned");
    CHECK(reason_of(decode_downlink(json{{"body", body}, {"signature", ""}}.dump(), DownlinkSubject::deny, "campus", keys.public_key)) ==
          "unsigned");
    // Signed by another key; and a correct signature over a body changed by one byte.
    CHECK(reason_of(decode_downlink(sign_envelope(body, other.secret_key), DownlinkSubject::deny, "campus", keys.public_key)) ==
          "bad_signature");
    json tampered = json::parse(sign_envelope(body, keys.secret_key));
    std::string b = tampered["body"];
    b.replace(b.find("V1"), 2, "V3");
    tampered["body"] = b;
    CHECK(reason_of(decode_downlink(tampered.dump(), DownlinkSubject::deny, "campus", keys.public_key)) == "bad_signature");
    CHECK(reason_of(decode_downlink(sign_envelope(body, keys.secret_key), DownlinkSubject::deny, "other-campus", keys.public_key)) ==
          "wrong_site");
    CHECK(reason_of(decode_downlink(sign_envelope(body, keys.secret_key), DownlinkSubject::allow, "campus", keys.public_key)) ==
          "wrong_subject");
    CHECK(reason_of(decode_downlink("not json", DownlinkSubject::deny, "campus", keys.public_key)) == "malformed");
    CHECK(reason_of(decode_downlink("", DownlinkSubject::deny, "campus", keys.public_key)) == "malformed");
    CHECK(reason_of(decode_downlink(sign_envelope("[1,2]", keys.secret_key), DownlinkSubject::deny, "campus", keys.public_key)) ==
          "malformed");
}

TEST_CASE("every field of a signed body and of the envelope, of every JSON type, is refused or taken, never thrown",
          "[fleet_downlink][decode]") {
    const auto keys = generate_site_key_pair();
    const std::vector<json> values = {nullptr, true, false, 0, -1, 1.5, 1e300, "", "x", json::array(), json::array({1, "a", nullptr}),
                                      json::object(), json{{"person", 1}}};
    json delta = deny_body(9);
    delta["kind"] = "delta";
    delta["base"] = 3;
    delta["remove"] = json::array({"V9"});
    json policy{{"format", "gatehouse.downlink/1"}, {"site", "campus"}, {"subject", "policy"}, {"version", 4}, {"kind", "full"},
                {"gates", {{"*", {{"require_list", true}, {"fever_threshold", 37.5}}}}}};
    std::size_t refused = 0;
    std::size_t cases = 0;
    for (const auto& [base, subject] : {std::pair{deny_body(7), DownlinkSubject::deny}, std::pair{delta, DownlinkSubject::deny},
                                        std::pair{policy, DownlinkSubject::policy}}) {
        std::vector<std::string> fields;
        for (const auto& [k, v] : base.items()) fields.push_back(k);
        fields.push_back("unexpected");
        for (const auto& field : fields) {
            for (const auto& value : values) {
                json body = base;
                body[field] = value;
                CAPTURE(field, value.dump());
                DownlinkDecoded d;
                REQUIRE_NOTHROW(d = decode_downlink(sign_envelope(body.dump(), keys.secret_key), subject, "campus", keys.public_key));
                ++cases;
                refused += std::holds_alternative<DownlinkRefusal>(d) ? 1 : 0;
            }
        }
        // Inside the entries and the gates too.
        for (const auto& value : values) {
            json body = base;
            if (body.contains("entries")) {
                body["entries"][0]["person"] = value;
                body["entries"][1] = value;
            } else {
                body["gates"]["*"]["fever_threshold"] = value;
                body["gates"]["g1"] = value;
            }
            CAPTURE(value.dump());
            DownlinkDecoded d;
            REQUIRE_NOTHROW(d = decode_downlink(sign_envelope(body.dump(), keys.secret_key), subject, "campus", keys.public_key));
            CHECK(reason_of(d) == "malformed");
        }
    }
    for (const char* field : {"body", "signature"}) {
        for (const auto& value : values) {
            json envelope = json::parse(sign_envelope(deny_body(7).dump(), keys.secret_key));
            envelope[field] = value;
            CAPTURE(field, value.dump());
            DownlinkDecoded d;
            REQUIRE_NOTHROW(d = decode_downlink(envelope.dump(), DownlinkSubject::deny, "campus", keys.public_key));
            CHECK(std::holds_alternative<DownlinkRefusal>(d));
        }
    }
    // Most substitutions break the body; the few that do not (issued_ms = 0, an empty remove list) are still
    // well-formed updates.
    CHECK(refused > cases * 3 / 4);
}

TEST_CASE("a central policy overrides the keys it names, its own gate's entry over every gate's", "[fleet_downlink][decode]") {
    const auto keys = generate_site_key_pair();
    json policy{{"format", "gatehouse.downlink/1"}, {"site", "campus"}, {"subject", "policy"}, {"version", 4}, {"kind", "full"},
                {"gates", {{"*", {{"require_list", true}, {"fever_threshold", 37.5}}}, {"g2", {{"fever_threshold", 37.0}}}}}};
    const auto d = decode_downlink(sign_envelope(policy.dump(), keys.secret_key), DownlinkSubject::policy, "campus", keys.public_key);
    REQUIRE(std::holds_alternative<DownlinkUpdate>(d));
    const PolicyUpdate& p = *std::get<DownlinkUpdate>(d).policy;
    gatehouse::daemon::GatePolicy base;
    const auto g1 = p.apply("g1", base);
    const auto g2 = p.apply("g2", base);
    CHECK(g1.require_list);
    CHECK(g1.fever_threshold == Approx(37.5));
    CHECK(g2.require_list);
    CHECK(g2.fever_threshold == Approx(37.0));
    CHECK(g1.require_health_code == base.require_health_code);
    REQUIRE(parse_policy_body(policy.dump()));
    CHECK(parse_policy_body(policy.dump())->gates.size() == 2);
}

TEST_CASE("the ledger applies a list update with its version in one step and refuses older ones and gaps",
          "[fleet_downlink][ledger]") {
    gatehouse::test::TempDir dir;
    storage::Ledger ledger({dir / "ledger.db"});
    ledger.import_person_list({{storage::PersonListKind::deny, "LOCAL", "", std::nullopt, std::nullopt, ""}}, false);
    storage::PersonListUpdate full{storage::PersonListKind::deny, 10, true, 0, {{storage::PersonListKind::deny, "V1", "", {}, {}, ""}}, {}};
    CHECK(ledger.apply_person_list_update(full, 1000) == storage::DownlinkApply::applied);
    CHECK_FALSE(ledger.find_person(storage::PersonListKind::deny, "LOCAL"));  // a full update is the whole list
    CHECK(ledger.find_person(storage::PersonListKind::deny, "V1"));
    CHECK(ledger.apply_person_list_update(full, 1001) == storage::DownlinkApply::stale);
    full.version = 9;
    CHECK(ledger.apply_person_list_update(full, 1002) == storage::DownlinkApply::stale);
    storage::PersonListUpdate delta{storage::PersonListKind::deny, 12, false, 11, {{storage::PersonListKind::deny, "V2", "", {}, {}, ""}}, {"V1"}};
    CHECK(ledger.apply_person_list_update(delta, 1003) == storage::DownlinkApply::gap);
    CHECK_FALSE(ledger.find_person(storage::PersonListKind::deny, "V2"));
    delta.base = 10;
    CHECK(ledger.apply_person_list_update(delta, 1004) == storage::DownlinkApply::applied);
    CHECK(ledger.find_person(storage::PersonListKind::deny, "V2"));
    CHECK_FALSE(ledger.find_person(storage::PersonListKind::deny, "V1"));
    const auto versions = ledger.downlink_versions();
    REQUIRE(versions.size() == 1);
    CHECK(versions[0].subject == "deny");
    CHECK(versions[0].version == 12);
    CHECK(versions[0].applied_ms == 1004);
    // The allow list has its own version.
    storage::PersonListUpdate allow{storage::PersonListKind::allow, 1, true, 0, {}, {}};
    CHECK(ledger.apply_person_list_update(allow, 1005) == storage::DownlinkApply::applied);
    CHECK(ledger.apply_policy_update(5, "{}", 1006) == storage::DownlinkApply::applied);
    CHECK(ledger.apply_policy_update(5, "{}", 1007) == storage::DownlinkApply::stale);
    CHECK(ledger.downlink_versions().size() == 3);
}

TEST_CASE("site keys: the secret file is private, and a signature verifies over exactly its message", "[fleet_downlink][keys]") {
    gatehouse::test::TempDir dir;
    const auto keys = generate_site_key_pair();
    const auto [secret, pub] = write_site_key_files(dir / "site", keys, false);
    const auto mode = std::filesystem::status(secret).permissions() & std::filesystem::perms::mask;
    CHECK(mode == (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    CHECK(read_site_secret_key(secret) == keys.secret_key);
    CHECK(read_site_public_key(pub) == keys.public_key);
    CHECK_THROWS_AS(write_site_key_files(dir / "site", keys, false), SiteKeyError);
    std::filesystem::permissions(secret, std::filesystem::perms::group_read, std::filesystem::perm_options::add);
    CHECK_THROWS_AS(read_site_secret_key(secret), SiteKeyError);
    CHECK_THROWS_AS(read_site_public_key(secret), SiteKeyError);  // 64 bytes is not a public key
    const std::string sig = sign_detached("abc", keys.secret_key);
    CHECK(verify_detached("abc", sig, keys.public_key));
    CHECK_FALSE(verify_detached("abd", sig, keys.public_key));
    CHECK_FALSE(verify_detached("abc", "not base64!", keys.public_key));
}
