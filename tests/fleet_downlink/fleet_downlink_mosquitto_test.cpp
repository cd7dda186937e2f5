// The downlink and the fleet view through a real mosquitto and the real gatehoused and gatehouse: central lists
// reach every gateway and every gate, refusals are reported upstream, statuses and last wills are retained, and a
// gateway whose broker goes down gets the update from the next one. Everything on 127.0.0.1.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>

#include "eventually.hpp"
#include "gatehouse/daemon/fleet/downlink_update.hpp"
#include "gatehouse/daemon/fleet/mqtt_session.hpp"
#include "gatehouse/daemon/fleet/site_key.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "gateway_fixture.hpp"
#include "mosquitto_broker.hpp"
#include "test_terminal.hpp"

using namespace gatehouse::test;
using nlohmann::json;
namespace fleet = gatehouse::daemon::fleet;
namespace ipc = gatehouse::ipc;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kSite = "campus";

/// The [fleet] table of a gateway on `ports` (in that order), verifying with `public_key_file`.
std::string fleet_table(const std::vector<int>& ports, const std::filesystem::path& public_key_file) {
    std::string brokers;
    for (int p : ports) brokers += (brokers.empty() ? "" : ", ") + std::string("\"127.0.0.1:") + std::to_string(p) + "\"";
    return "[fleet]\nenabled = true\nbrokers = [" + brokers + "]\nsite_public_key_file = \"" + public_key_file.string() +
           "\"\nstatus_interval_ms = 500\nkeepalive_s = 5\nreconnect_max_ms = 500\n";
}

/// A gateway of the site with id `id`, two gates (t1 on g1, t2 on g2), not started.
std::unique_ptr<GatewayFixture> site_gateway(const std::string& id, const std::string& fleet) {
    auto gw = std::make_unique<GatewayFixture>(2, fleet, "", "", Transport::plaintext, /*start_now=*/false);
    gw->edit_config("id = \"test-gw\"", "id = \"" + id + "\"\nsite = \"" + kSite + "\"");
    gw->start();
    return gw;
}

json ask(TestTerminal& t, const std::string& request, const std::string& person) {
    ipc::AccessRequest r = t.request(request, person, ipc::CredentialMethod::card);
    r.health_code = ipc::HealthCodeColor::green;
    r.celsius = 36.6;
    t.send(r);
    return t.expect_reply();
}

bool denied_on_deny_list(const json& decision) {
    if (decision.value("result", "") != "deny" || !decision["reasons"].is_array()) return false;
    for (const auto& r : decision["reasons"]) {
        if (r == "on_deny_list") return true;
    }
    return false;
}

/// `gatehouse fleet ...` with the broker's address; the result.
CommandResult fleet_cli(const TempDir& dir, int port, std::vector<std::string> args) {
    std::vector<std::string> full{"fleet"};
    full.insert(full.end(), args.begin(), args.end());
    full.push_back("--broker");
    full.push_back("127.0.0.1:" + std::to_string(port));
    return run_command(bin("gatehouse"), full, dir.path());
}

/// The last message on `topic` among `messages`, parsed (wait_until hands its messages under its lock).
std::optional<json> last_json_on(const std::vector<MqttMessage>& messages, const std::string& topic) {
    std::optional<json> out;
    for (const auto& m : messages) {
        if (m.topic == topic) out = json::parse(m.payload, nullptr, false);
    }
    return out;
}

/// The signed envelope of a deny-list body.
json deny_body(std::int64_t version, std::vector<std::string> persons) {
    json entries = json::array();
    for (const auto& p : persons) entries.push_back({{"person", p}});
    return {{"format", "gatehouse.downlink/1"}, {"site", kSite}, {"subject", "deny"}, {"version", version}, {"kind", "full"},
            {"entries", entries}};
}

}  // namespace

TEST_CASE("a person revoked centrally is refused at every gate of the site within 5 s, and the fleet sees every gateway",
          "[fleet_downlink][integration]") {
    TempDir dir;
    MosquittoBroker broker(dir / "broker");
    REQUIRE(run_command(bin("gatehouse"), {"fleet", "keygen", "--out", (dir / "site").string()}, dir.path()).exit_code == 0);
    const std::string fleet = fleet_table({broker.port()}, dir / "site.pub");
    MqttSubscriber watch(broker.port(), std::string("gatehouse/") + kSite + "/#");
    auto a = site_gateway("gw-a", fleet);
    auto b = site_gateway("gw-b", fleet);
    REQUIRE(eventually([&] { return a->status()["fleet"]["connected"] == true && b->status()["fleet"]["connected"] == true; }));

    TestTerminal a1(a->context(), a->endpoint(), "t1"), a2(a->context(), a->endpoint(), "t2");
    TestTerminal b1(b->context(), b->endpoint(), "t1"), b2(b->context(), b->endpoint(), "t2");
    std::vector<TestTerminal*> gates{&a1, &a2, &b1, &b2};
    for (auto* t : gates) CHECK(ask(*t, "before", "E5")["result"] == "grant");

    std::ofstream(dir / "deny.csv") << "list,person,name,valid_from,valid_until,note\ndeny,E5,,,,revoked by the security office\n";
    const CommandResult published = run_command(
        bin("gatehouse"), {"fleet", "publish", "--broker", "127.0.0.1:" + std::to_string(broker.port()), "--key",
                           (dir / "site.key").string(), "--site", kSite, "--version", "100", (dir / "deny.csv").string()},
        dir.path());
    const auto published_at = Clock::now();
    INFO(published.out << published.err);
    REQUIRE(published.exit_code == 0);
    CHECK_THAT(published.out, Catch::Contains("published deny version 100"));

    // Each gate is asked until it refuses; the clock is read against the 5 s deadline.
    const auto deadline = published_at + std::chrono::seconds(5);
    int n = 0;
    for (auto* t : gates) {
        bool refused = false;
        while (!refused && Clock::now() < deadline) refused = denied_on_deny_list(ask(*t, "after-" + std::to_string(++n), "E5"));
        CHECK(refused);
    }
    const auto worst = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - published_at);
    CHECK(worst < std::chrono::seconds(5));
    WARN("all four gates refused E5 " << worst.count() << " ms after the publish was acknowledged (limit 5000 ms)");

    // Both publish the version they hold (retained), and their status carries it.
    for (const char* id : {"gw-a", "gw-b"}) {
        const std::string held_topic = std::string("gatehouse/") + kSite + "/held/" + id;
        CHECK(watch.wait_until([&](const std::vector<MqttMessage>& all) {
            const auto held = last_json_on(all, held_topic);
            return held && (*held)["deny"] == 100;
        }));
    }
    CHECK(eventually([&] {
        const CommandResult s = fleet_cli(dir, broker.port(), {"status", "--site", kSite, "--json"});
        const json j = json::parse(s.out, nullptr, false);
        if (s.exit_code != 0 || j.is_discarded()) return false;
        int online_with_version = 0;
        for (const auto& g : j["gateways"]) {
            if (g["state"] == "online" && g["status"]["fleet"]["held"]["deny"] == 100) ++online_with_version;
        }
        return j["gateways"].size() == 2 && online_with_version == 2;
    }));
    const CommandResult table = fleet_cli(dir, broker.port(), {"status", "--site", kSite});
    CHECK(table.exit_code == 0);
    CHECK_THAT(table.out, Catch::Contains("gw-a") && Catch::Contains("gw-b") && Catch::Contains("online"));

    // gw-b dies without a word: the broker publishes its will, and the fleet view says offline.
    b->process().signal(SIGKILL);
    CHECK(b->process().wait() == 128 + SIGKILL);
    const std::string b_status = std::string("gatehouse/") + kSite + "/status/gw-b";
    CHECK(watch.wait_until([&](const std::vector<MqttMessage>& all) {
        const auto s = last_json_on(all, b_status);
        return s && (*s)["state"] == "offline" && (*s)["reason"] == "connection lost";
    }, std::chrono::seconds(20)));
    const CommandResult after = fleet_cli(dir, broker.port(), {"status", "--site", kSite, "--json"});
    const json view = json::parse(after.out, nullptr, false);
    REQUIRE_FALSE(view.is_discarded());
    std::map<std::string, std::string> states;
    for (const auto& g : view["gateways"]) states[g["gateway"]] = g["state"];
    CHECK(states == std::map<std::string, std::string>{{"gw-a", "online"}, {"gw-b", "offline"}});
}

TEST_CASE("replayed, older, badly signed, unsigned, foreign and type-confused updates are refused, reported and counted",
          "[fleet_downlink][integration]") {
    TempDir dir;
    MosquittoBroker broker(dir / "broker");
    const auto keys = fleet::generate_site_key_pair();
    const auto other = fleet::generate_site_key_pair();
    fleet::write_site_key_files(dir / "site", keys, false);
    auto gw = site_gateway("gw-a", fleet_table({broker.port()}, dir / "site.pub"));
    REQUIRE(eventually([&] { return gw->status()["fleet"]["connected"] == true; }));
    MqttSubscriber reports(broker.port(), std::string("gatehouse/") + kSite + "/downlink-report/+");
    fleet::MqttSession platform({"127.0.0.1", broker.port()}, "test-platform", std::chrono::seconds(5));
    const std::string topic = std::string("gatehouse/") + kSite + "/downlink/deny";
    auto reported = [&](const std::string& outcome, const std::string& reason, std::size_t count) {
        return reports.wait_until([&](const std::vector<MqttMessage>& all) {
            std::size_t n = 0;
            for (const auto& m : all) {
                const json r = json::parse(m.payload, nullptr, false);
                if (!r.is_discarded() && r.value("outcome", "") == outcome && (reason.empty() || r.value("reason", "") == reason)) ++n;
            }
            return n >= count;
        });
    };

    const std::string v10 = fleet::sign_envelope(deny_body(10, {"V1"}).dump(), keys.secret_key);
    platform.publish(topic, v10, true);
    REQUIRE(reported("applied", "", 1));
    platform.publish(topic, v10, false);  // the same update again: a replay
    CHECK(reported("refused", "stale", 1));
    platform.publish(topic, fleet::sign_envelope(deny_body(5, {}).dump(), keys.secret_key), false);  // older
    CHECK(reported("refused", "stale", 2));
    platform.publish(topic, fleet::sign_envelope(deny_body(11, {}).dump(), other.secret_key), false);
    CHECK(reported("refused", "bad_signature", 1));
    platform.publish(topic, json{{"body", deny_body(12, {}).dump()}}.dump(), false);
    CHECK(reported("refused", "unsigned", 1));
    platform.publish(topic, "{\"body\": 12", false);
    CHECK(reported("refused", "malformed", 1));
    json foreign = deny_body(13, {});
    foreign["site"] = "elsewhere";
    platform.publish(topic, fleet::sign_envelope(foreign.dump(), keys.secret_key), false);
    CHECK(reported("refused", "wrong_site", 1));

    // Every field of the body and the envelope with every JSON type, correctly signed: none stops the daemon.
    const std::vector<json> values = {nullptr, true, 0, -7, 2.5, "", "x", json::array(), json::array({nullptr}), json::object()};
    std::size_t sent = 0;
    for (const char* field : {"format", "site", "subject", "version", "kind", "issued_ms", "base", "entries", "remove", "gates", "zzz"}) {
        for (const auto& value : values) {
            json body = deny_body(20 + static_cast<std::int64_t>(sent), {"V2"});
            body[field] = value;
            platform.publish(topic, fleet::sign_envelope(body.dump(), keys.secret_key), false);
            ++sent;
        }
    }
    for (const char* field : {"body", "signature"}) {
        for (const auto& value : values) {
            json envelope = json::parse(v10);
            envelope[field] = value;
            platform.publish(topic, envelope.dump(), false);
            ++sent;
        }
    }
    // One valid update after them all: still applied, so the link went on working through every one of them.
    platform.publish(topic, fleet::sign_envelope(deny_body(1000, {"V3"}).dump(), keys.secret_key), true);
    REQUIRE(eventually([&] { return gw->status()["fleet"]["held"]["deny"] == 1000; }));
    const json status = gw->status();
    CHECK(status["fleet"]["held"]["deny"] == 1000);
    std::uint64_t refused = 0;
    for (const auto& [reason, n] : status["fleet"]["refused"].items()) refused += n.get<std::uint64_t>();
    // Only the substitutions that leave a well-formed update (issued_ms = 0 and the like) may apply.
    CHECK(refused + status["fleet"]["applied"].get<std::uint64_t>() == sent + 8);
    CHECK(status["fleet"]["refused"]["bad_signature"] >= 1);
    CHECK(status["fleet"]["refused"]["unsigned"] >= 1);
    CHECK(status["fleet"]["refused"]["stale"] >= 2);
    // The list is what the last valid update says, nothing of what was refused.
    gatehouse::storage::Ledger ledger({gw->ledger_path(), /*read_only=*/true});
    CHECK(ledger.find_person(gatehouse::storage::PersonListKind::deny, "V3"));
    CHECK_FALSE(ledger.find_person(gatehouse::storage::PersonListKind::deny, "V1"));
    const std::string metrics_hint = gw->process().stderr_text();
    CHECK_THAT(metrics_hint, Catch::Contains("refused a deny update"));
}

TEST_CASE("a list update published while the gateway's broker is down reaches it through the next broker",
          "[fleet_downlink][integration][failover]") {
    TempDir dir;
    MosquittoBroker first(dir / "first");
    MosquittoBroker second(dir / "second");
    const auto keys = fleet::generate_site_key_pair();
    fleet::write_site_key_files(dir / "site", keys, false);
    auto gw = site_gateway("gw-a", fleet_table({first.port(), second.port()}, dir / "site.pub"));
    const std::string first_address = "127.0.0.1:" + std::to_string(first.port());
    const std::string second_address = "127.0.0.1:" + std::to_string(second.port());
    REQUIRE(eventually([&] {
        const json f = gw->status()["fleet"];
        return f["connected"] == true && f["broker"] == first_address;
    }));
    first.stop();
    {
        fleet::MqttSession platform({"127.0.0.1", second.port()}, "test-platform", std::chrono::seconds(5));
        platform.publish(std::string("gatehouse/") + kSite + "/downlink/deny",
                         fleet::sign_envelope(deny_body(7, {"E5"}).dump(), keys.secret_key), true);
    }
    CHECK(eventually([&] {
        const json f = gw->status()["fleet"];
        return f["connected"] == true && f["broker"] == second_address && f["held"]["deny"] == 7;
    }));
    TestTerminal t1(gw->context(), gw->endpoint(), "t1");
    CHECK(denied_on_deny_list(ask(t1, "r1", "E5")));
    // A delta on the version held, after the first broker came back and the second went: applied there.
    first.start();
    second.stop();
    {
        fleet::MqttSession platform({"127.0.0.1", first.port()}, "test-platform", std::chrono::seconds(5));
        json delta = deny_body(8, {"E6"});
        delta["kind"] = "delta";
        delta["base"] = 7;
        delta["remove"] = json::array({"E5"});
        platform.publish(std::string("gatehouse/") + kSite + "/downlink/deny", fleet::sign_envelope(delta.dump(), keys.secret_key), true);
    }
    CHECK(eventually([&] { return gw->status()["fleet"]["held"]["deny"] == 8; }));
    CHECK(ask(t1, "r2", "E5")["result"] == "grant");
    CHECK(denied_on_deny_list(ask(t1, "r3", "E6")));
}

TEST_CASE("a central policy applies to the gates it names, survives a restart, and an older one is refused",
          "[fleet_downlink][integration][policy]") {
    TempDir dir;
    MosquittoBroker broker(dir / "broker");
    REQUIRE(run_command(bin("gatehouse"), {"fleet", "keygen", "--out", (dir / "site").string()}, dir.path()).exit_code == 0);
    auto gw = site_gateway("gw-a", fleet_table({broker.port()}, dir / "site.pub"));
    REQUIRE(eventually([&] { return gw->status()["fleet"]["connected"] == true; }));
    TestTerminal t1(gw->context(), gw->endpoint(), "t1"), t2(gw->context(), gw->endpoint(), "t2");
    CHECK(ask(t1, "r1", "E7")["result"] == "grant");
    // Every gate requires the allow list; g2 also stops at 36.5 °C.
    std::ofstream(dir / "policy.toml") << "[gates.\"*\"]\nrequire_list = true\n[gates.g2]\nfever_threshold = 36.5\n";
    std::ofstream(dir / "allow.csv") << "list,person,name,valid_from,valid_until,note\nallow,E7,,,,\n";
    auto publish = [&](std::vector<std::string> args) {
        std::vector<std::string> full{"fleet", "publish", "--broker", "127.0.0.1:" + std::to_string(broker.port()), "--key",
                                      (dir / "site.key").string(), "--site", kSite};
        full.insert(full.end(), args.begin(), args.end());
        return run_command(bin("gatehouse"), full, dir.path());
    };
    REQUIRE(publish({"--version", "5", (dir / "policy.toml").string()}).exit_code == 0);
    REQUIRE(eventually([&] { return gw->status()["fleet"]["held"]["policy"] == 5; }));
    auto reasons = [](const json& d) { return d["reasons"].get<std::vector<std::string>>(); };
    CHECK(reasons(ask(t1, "r2", "E7")) == std::vector<std::string>{"not_on_list"});
    REQUIRE(publish({"--version", "3", (dir / "allow.csv").string()}).exit_code == 0);
    REQUIRE(eventually([&] { return gw->status()["fleet"]["held"]["allow"] == 3; }));
    CHECK(ask(t1, "r3", "E7")["result"] == "grant");
    CHECK(reasons(ask(t2, "r4", "E7")) == std::vector<std::string>{"fever"});  // 36.6 °C at 36.5
    // An older policy is refused; the one held applies again after a restart (from the ledger).
    std::ofstream(dir / "old.toml") << "[gates.\"*\"]\nrequire_list = false\n";
    REQUIRE(publish({"--version", "4", (dir / "old.toml").string()}).exit_code == 0);
    REQUIRE(eventually([&] { return gw->status()["fleet"]["refused"].value("stale", 0) >= 1; }));
    gw->process().signal(SIGTERM);
    REQUIRE(gw->process().wait() == 0);
    gw->start();
    TestTerminal t2b(gw->context(), gw->endpoint(), "t2");
    CHECK(reasons(ask(t2b, "r5", "E8")) == std::vector<std::string>{"not_on_list", "fever"});
}
