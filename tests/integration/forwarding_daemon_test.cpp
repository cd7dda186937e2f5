// The daemon forwarding its records to a real mosquitto broker: events, decisions and alerts arrive with their
// idempotency keys, also across a broker outage and a SIGKILL of the daemon mid-drain.
#include <catch2/catch.hpp>

#include <csignal>

#include "gateway_fixture.hpp"
#include "mosquitto_broker.hpp"
#include "test_terminal.hpp"
#include "upstream_records.hpp"

using namespace gatehouse::test;
using nlohmann::json;

TEST_CASE("the daemon forwards events, decisions and alerts to an MQTT broker, through an outage",
          "[integration][forwarding]") {
    TempDir broker_dir;
    MosquittoBroker broker(broker_dir.path());
    MqttSubscriber upstream(broker.port(), "gatehouse/#", "campus-platform", /*clean_session=*/false);
    GatewayFixture gw(2, mqtt_forwarding(broker.port()), "[gates.policy]\nrequire_health_code = false\n");
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    TestTerminal t2(gw.context(), gw.endpoint(), "t2");
    for (int seq = 1; seq <= 50; ++seq) t2.send_event(seq);
    for (int i = 0; i < 50; ++i) REQUIRE(t2.expect_reply()["type"] == "ack");
    auto request = t1.request("r1", "E1");
    request.celsius = 38.7;
    t1.send(request);
    REQUIRE(t1.expect_reply()["result"] == "deny");
    REQUIRE(upstream.wait_until([](const auto& m) { return count_lane(m, "routine") >= 50 && count_lane(m, "alert") >= 1 &&
                                                          count_lane(m, "record") >= 1; },
                                std::chrono::seconds(15)));
    const auto first = upstream.messages();
    bool fever_topic = false;
    for (const auto& m : first) fever_topic |= m.topic == "gatehouse/default/test-gw/alert/fever";
    CHECK(fever_topic);

    // Broker down while the gate goes on: events are acked (the ledger has them), forwarding waits.
    broker.stop();
    for (int seq = 51; seq <= 150; ++seq) t2.send_event(seq);
    for (int i = 0; i < 100; ++i) REQUIRE(t2.expect_reply()["type"] == "ack");
    // The backlog is visible in the status (figures refresh about twice a second).
    const auto backlog_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int waiting = 0;
    while (waiting == 0 && std::chrono::steady_clock::now() < backlog_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        waiting = gw.status()["forwarding"]["lanes"][2]["records"].get<int>();
    }
    CHECK(waiting > 0);
    broker.start();
    REQUIRE(upstream.wait_until([](const auto& m) { return event_keys(m).size() >= 150; }, std::chrono::seconds(20)));
    const auto keys = event_keys(upstream.messages());
    CHECK(keys.size() == 150);
    for (const auto& [seq, k] : keys) CHECK(k.size() == 1);  // resends carry the same key
    // Delivered and confirmed: nothing left unconfirmed for the sink.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    json sink;
    do {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        sink = gw.status()["forwarding"]["sinks"].at(0);
    } while (sink["unconfirmed"].get<int>() > 0 && std::chrono::steady_clock::now() < deadline);
    CHECK(sink["unconfirmed"] == 0);
    CHECK(sink["connected"] == true);
}

TEST_CASE("a daemon killed mid-drain forwards the rest after its restart, nothing lost", "[integration][forwarding]") {
    TempDir broker_dir;
    MosquittoBroker broker(broker_dir.path());
    MqttSubscriber upstream(broker.port(), "gatehouse/#", "campus-platform", /*clean_session=*/false);
    broker.stop();  // the backlog builds while the upstream is away
    GatewayFixture gw(2, mqtt_forwarding(broker.port()));
    {
        TestTerminal t2(gw.context(), gw.endpoint(), "t2");
        for (int seq = 1; seq <= 2000; ++seq) t2.send_event(seq);
        for (int i = 0; i < 2000; ++i) REQUIRE(t2.expect_reply()["type"] == "ack");
    }
    broker.start();
    REQUIRE(upstream.wait_until([](const auto& m) { return !event_keys(m).empty(); }, std::chrono::seconds(15)));
    gw.process().signal(SIGKILL);
    gw.process().wait();
    gw.start();
    const bool all = upstream.wait_until([](const auto& m) { return event_keys(m).size() >= 2000; }, std::chrono::seconds(30));
    INFO("received " << event_keys(upstream.messages()).size() << "; status " << gw.status()["forwarding"].dump()
                     << "\n" << gw.process().stderr_text());
    REQUIRE(all);
    const auto keys = event_keys(upstream.messages());
    CHECK(keys.size() == 2000);
    CHECK(keys.begin()->first == 1);
    CHECK(keys.rbegin()->first == 2000);
    for (const auto& [seq, k] : keys) CHECK(k.size() == 1);
}
