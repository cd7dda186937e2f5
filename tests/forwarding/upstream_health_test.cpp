// Upstream health through the real daemon: a sink that has not delivered for forwarding.upstream_down_after_s
// raises `upstream_down`, closed by the gateway when the upstream confirms deliveries again; `gatehouse status`
// shows each sink's state, backlog, last success and last error.
#include <catch2/catch.hpp>

#include <atomic>

#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "http_receiver.hpp"
#include "json_lines.hpp"
#include "mosquitto_broker.hpp"
#include "test_terminal.hpp"
#include "upstream_records.hpp"

using namespace gatehouse::test;
using nlohmann::json;

namespace {

/// The upstream_down alerts of `sink` as `gatehouse alerts list --json` gives them (open ones only).
std::vector<json> open_upstream_down(GatewayFixture& gw, const std::string& sink) {
    const auto list = run_command(bin("gatehouse"), {"alerts", "list", "--control", gw.control_endpoint(), "--json"},
                                  gw.dir().path());
    std::vector<json> out;
    if (list.exit_code != 0) return out;
    for (auto& a : json_lines(list.out)) {
        if (a["kind"] == "upstream_down" && a["source"] == sink) out.push_back(std::move(a));
    }
    return out;
}

json sink_status(GatewayFixture& gw) { return gw.status()["forwarding"]["sinks"].at(0); }

}  // namespace

TEST_CASE("an MQTT broker down for longer than upstream_down_after_s raises upstream_down, closed when it is back",
          "[forwarding][daemon_forwarding][upstream_health]") {
    TempDir broker_dir;
    MosquittoBroker broker(broker_dir.path());
    std::string forwarding = mqtt_forwarding(broker.port());
    forwarding.replace(forwarding.find("enabled = true\n"), 15, "enabled = true\nupstream_down_after_s = 1\n");
    GatewayFixture gw(2, forwarding);
    TestTerminal t2(gw.context(), gw.endpoint(), "t2");
    int seq = 0;
    t2.send_event(++seq);
    REQUIRE(t2.expect_reply()["type"] == "ack");
    REQUIRE(eventually([&] {
        const json s = sink_status(gw);
        return !s["last_success_ms"].is_null() && s["draining"] == false;
    }));
    CHECK(sink_status(gw)["failing_since_ms"].is_null());
    CHECK(open_upstream_down(gw, "broker").empty());

    // The table a guard reads: the sink delivers.
    const auto ok = run_command(bin("gatehouse"), {"status", "--control", gw.control_endpoint()}, gw.dir().path());
    REQUIRE(ok.exit_code == 0);
    CHECK_THAT(ok.out, Catch::Contains("LAST SUCCESS") && Catch::Contains("broker") && Catch::Contains(" ok "));

    broker.stop();
    // Records keep coming while the broker is away; the sink fails and, after 1 s, the alert is raised once.
    REQUIRE(eventually([&] {
        t2.send_event(++seq);
        (void)t2.expect_reply();
        return !open_upstream_down(gw, "broker").empty();
    }, std::chrono::seconds(30), std::chrono::milliseconds(200)));
    const auto alerts = open_upstream_down(gw, "broker");
    REQUIRE(alerts.size() == 1);
    CHECK(alerts[0]["severity"] == "warning");
    CHECK_THAT(alerts[0]["text"].get<std::string>(), Catch::Contains("broker"));
    const json failing = sink_status(gw);
    CHECK_FALSE(failing["failing_since_ms"].is_null());
    CHECK(failing["last_error"] != "");

    const auto down = run_command(bin("gatehouse"), {"status", "--control", gw.control_endpoint()}, gw.dir().path());
    REQUIRE(down.exit_code == 0);
    CHECK_THAT(down.out, Catch::Contains("failing"));

    broker.start();
    REQUIRE(eventually([&] { return open_upstream_down(gw, "broker").empty(); }, std::chrono::seconds(30),
                       std::chrono::milliseconds(200)));
    CHECK(sink_status(gw)["failing_since_ms"].is_null());
    CHECK(eventually([&] { return sink_status(gw)["unconfirmed"] == 0; }));  // the backlog drains
}

TEST_CASE("a webhook answering 503 raises upstream_down after upstream_down_after_s, closed when it answers again",
          "[forwarding][daemon_forwarding][upstream_health]") {
    std::atomic<bool> down{false};
    HttpReceiver receiver([&](const ReceivedRequest&, std::size_t) {
        return down ? Answer{503, "{\"error\":\"maintenance\"}"} : Answer{};
    });
    GatewayFixture gw(2, "[forwarding]\nenabled = true\nretry_initial_ms = 100\nretry_max_ms = 300\nmax_drain_rate = 0\n"
                         "upstream_down_after_s = 1\n[[forwarding.sinks]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"" +
                             receiver.url() + "\"\n");
    TestTerminal t2(gw.context(), gw.endpoint(), "t2");
    t2.send_event(1);
    REQUIRE(t2.expect_reply()["type"] == "ack");
    REQUIRE(eventually([&] { return !sink_status(gw)["last_success_ms"].is_null(); }));

    down = true;
    t2.send_event(2);
    REQUIRE(t2.expect_reply()["type"] == "ack");
    REQUIRE(eventually([&] { return !open_upstream_down(gw, "hook").empty(); }, std::chrono::seconds(30),
                       std::chrono::milliseconds(200)));
    CHECK_THAT(sink_status(gw)["last_error"].get<std::string>(), Catch::Contains("503"));

    down = false;
    REQUIRE(eventually([&] { return open_upstream_down(gw, "hook").empty(); }, std::chrono::seconds(30),
                       std::chrono::milliseconds(200)));
    CHECK(eventually([&] { return sink_status(gw)["unconfirmed"] == 0; }));  // the backlog drains
}

TEST_CASE("forwarding.upstream_down_after_s is checked", "[forwarding][daemon_forwarding][upstream_health]") {
    GatewayFixture gw;
    gw.append_config("[forwarding]\nupstream_down_after_s = 0\n");
    const auto check = run_command(bin("gatehouse"), {"check-config", gw.config_path().string()}, gw.dir().path());
    CHECK(check.exit_code != 0);
    CHECK_THAT(check.err, Catch::Contains("upstream_down_after_s"));
}
