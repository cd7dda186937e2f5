// Digest authentication of a Hikvision device's posts, through the real gatehoused: without credentials or with the
// wrong ones a post is answered 401 and nothing of it is stored; with the device's account it is stored.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "gateway_fixture.hpp"
#include "ledger_checks.hpp"
#include "mosquitto_broker.hpp"
#include "simulated_devices.hpp"

using namespace gatehouse::test;

namespace {

std::string digest_config(int port, const std::filesystem::path& credentials) {
    return "[[adapters]]\nid = \"hik\"\nkind = \"hikvision\"\nlisten = \"127.0.0.1:" + std::to_string(port) +
           "\"\n[[adapters.devices]]\nserial = \"HIK-AUTH\"\nterminal = \"t1\"\ncredentials_file = \"" +
           credentials.string() + "\"\n";
}

}  // namespace

TEST_CASE("a Hikvision device with credentials must authenticate its posts by digest",
          "[adapters][hikvision][security][integration]") {
    TempDir secrets;
    const auto credentials = secrets.path() / "hik-auth.credentials";
    std::ofstream(credentials) << "gatehouse-push:s3cret-Pa55\n";
    ::chmod(credentials.c_str(), 0600);
    const int port = free_loopback_port();
    GatewayFixture gw(3, digest_config(port, credentials));
    SimulatedHikvision device(port, "HIK-AUTH");
    const std::string event = adapter_fixture("hikvision_fever_card.json");

    // No credentials: a challenge, nothing stored.
    auto plain = device.post_json(event);
    REQUIRE(plain);
    CHECK(plain->status == 401);
    CHECK_THAT(plain->get_header_value("WWW-Authenticate"), Catch::StartsWith("Digest ") && Catch::Contains("qop=\"auth\""));
    CHECK(device.post_json_digest(event, "gatehouse-push", "wrong") == 401);
    CHECK(device.post_json_digest(event, "someone-else", "s3cret-Pa55") == 401);
    CHECK(stored_seqs(gw, "t1").empty());

    // The device's account: stored, and a resend with a new exchange is stored once.
    CHECK(device.post_json_digest(event, "gatehouse-push", "s3cret-Pa55") == 200);
    CHECK(stored_seqs(gw, "t1") == std::set<std::int64_t>{1043 * 4, 1043 * 4 + 1});
    CHECK(device.post_json_digest(event, "gatehouse-push", "s3cret-Pa55") == 200);
    CHECK(stored_seqs(gw, "t1").size() == 2);

    // A forged header (a made-up nonce) is refused too.
    auto forged = device.client().Post("/hikvision/HIK-AUTH",
                                       {{"Authorization", "Digest username=\"gatehouse-push\", realm=\"gatehouse\", "
                                                          "nonce=\"00\", uri=\"/hikvision/HIK-AUTH\", qop=auth, nc=00000001, "
                                                          "cnonce=\"x\", response=\"0123456789abcdef0123456789abcdef\""}},
                                       event, "application/json");
    REQUIRE(forged);
    CHECK(forged->status == 401);

    // Counted, by reason, in the status and the metrics.
    const auto d = gw.status()["adapters"][0]["devices"][0];
    CHECK(d["serial"] == "HIK-AUTH");
    CHECK(d["accepted"] == 2);
    CHECK(d["refused"]["auth_wrong_password"] == 1);
    CHECK(d["refused"]["auth_wrong_user"] == 1);
    CHECK(d["refused"]["auth_stale_nonce"] == 1);
    CHECK(d["last_contact_ms_ago"].is_number());
    const std::string metrics_address = gw.status()["endpoints"]["metrics"].get<std::string>();
    httplib::Client metrics("http://" + metrics_address);
    auto text = metrics.Get("/metrics");
    REQUIRE(text);
    CHECK_THAT(text->body, Catch::Contains("gatehouse_adapter_requests_refused_total{adapter=\"hik\",device=\"HIK-AUTH\","
                                           "reason=\"auth_wrong_password\",terminal=\"t1\"} 1"));
    CHECK_THAT(text->body, Catch::Contains("gatehouse_adapter_requests_accepted_total{adapter=\"hik\",device=\"HIK-AUTH\","
                                           "terminal=\"t1\"} 2"));
    // The human status shows the device.
    const auto shown = run_command(bin("gatehouse"), {"status", "--config", gw.config_path().string()}, gw.dir().path());
    CHECK_THAT(shown.out, Catch::Contains("HIK-AUTH") && Catch::Contains("auth_wrong_password=1"));
}

TEST_CASE("a device credentials file others can read is refused at start", "[adapters][config][security]") {
    TempDir dir;
    const auto credentials = dir.path() / "open.credentials";
    std::ofstream(credentials) << "u:p\n";
    ::chmod(credentials.c_str(), 0644);
    std::ofstream(dir.path() / "gw.toml") << "[security]\ninsecure_plaintext = true\n[[gates]]\nid = \"g1\"\n[[terminals]]\n"
                                             "id = \"t1\"\ngate = \"g1\"\n"
                                          << digest_config(free_loopback_port(), credentials);
    const auto r = run_command(bin("gatehouse"), {"check-config", (dir.path() / "gw.toml").string()}, dir.path());
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.out + r.err, Catch::Contains("credentials_file") && Catch::Contains("0644"));
}
