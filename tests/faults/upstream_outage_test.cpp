// Upstream outage: the broker is down for a long stretch while the gate goes on; when it is back, the outbox
// drains completely, each lane in its own order, every record under one key.
#include <catch2/catch.hpp>

#include <iostream>

#include "fault_configs.hpp"
#include "fault_terminals.hpp"
#include "gateway_fixture.hpp"
#include "ledger_checks.hpp"
#include "mosquitto_broker.hpp"

using namespace gatehouse::test;
using namespace gatehouse::test::faults;
using nlohmann::json;

namespace {

std::int64_t backlog_records(const json& status) {
    std::int64_t n = 0;
    for (const auto& lane : status["forwarding"]["lanes"]) n += lane["records"].get<std::int64_t>();
    return n;
}

}  // namespace

TEST_CASE("after a long broker outage under load the outbox drains fully, in order per lane", "[faults][outage]") {
    TempDir broker_dir;
    MosquittoBroker broker(broker_dir.path());
    MqttSubscriber upstream(broker.port(), "gatehouse/#", "campus-platform", /*clean_session=*/false);
    GatewayFixture gw(2, mqtt_forwarding(broker.port()), immediate_policy(), immediate_policy());
    ResendingTerminal events("t2", 100);
    RequestingTerminal reader("t1", std::chrono::milliseconds(20));
    events.connect(gw.context(), gw.endpoint());
    reader.connect(gw.context(), gw.endpoint());
    auto load_for = [&](std::chrono::milliseconds how_long) {
        const auto until = FaultClock::now() + how_long;
        while (FaultClock::now() < until) {
            events.step(std::chrono::milliseconds(2));
            reader.step();
        }
    };
    load_for(std::chrono::seconds(2));
    broker.stop();
    const auto outage_started = FaultClock::now();
    std::int64_t peak_backlog = 0;
    for (int i = 0; i < 20; ++i) {  // 20 s without the upstream
        load_for(std::chrono::seconds(1));
        if (auto s = gw.try_status()) peak_backlog = std::max(peak_backlog, backlog_records(*s));
    }
    REQUIRE(events.drain(std::chrono::seconds(20)));
    REQUIRE(reader.wait_answers(std::chrono::seconds(10)));
    const double outage_s = std::chrono::duration<double>(FaultClock::now() - outage_started).count();
    CHECK(peak_backlog > 1000);
    const auto stored = stored_seqs(gw, "t2");
    REQUIRE(stored.size() == static_cast<std::size_t>(events.created()));

    broker.start();
    const auto back = FaultClock::now();
    UpstreamTally tally;
    const bool drained = tally.wait_until(
        upstream, [&](const UpstreamTally& t) { return t.events().size() >= stored.size(); }, std::chrono::seconds(120));
    const double drain_s = std::chrono::duration<double>(FaultClock::now() - back).count();
    INFO("upstream has " << tally.events().size() << " of " << stored.size() << " events; forwarding "
                         << gw.status()["forwarding"].dump());
    REQUIRE(drained);
    REQUIRE(tally.wait_until(
        upstream, [&](const UpstreamTally& t) { return t.decisions().size() >= reader.decisions().size(); },
        std::chrono::seconds(30)));
    // Nothing left in the outbox for the sink once it confirmed everything.
    json status;
    for (const auto deadline = FaultClock::now() + std::chrono::seconds(20); FaultClock::now() < deadline;) {
        status = gw.status();
        if (status["forwarding"]["sinks"].at(0)["unconfirmed"] == 0 && backlog_records(status) == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    CHECK(status["forwarding"]["sinks"].at(0)["unconfirmed"] == 0);
    CHECK(backlog_records(status) == 0);
    tally.update(upstream);
    for (const auto& [seq, keys] : tally.events()) CHECK(keys.size() == 1);
    for (const auto& [request, keys] : tally.decisions()) CHECK(keys.size() == 1);
    // Per-lane order: the first arrival of each record comes after the first arrival of every earlier one.
    const std::size_t out_of_order = tally.out_of_order();
    CHECK(out_of_order == 0);
    for (const auto& [lane, seqs] : tally.lanes()) {
        CAPTURE(lane);
        CHECK(static_cast<std::int64_t>(seqs.size()) == *seqs.rbegin() - *seqs.begin() + 1);  // no gap
    }
    const std::size_t message_count = tally.messages();
    std::cout << "outage: " << outage_s << " s without the broker, " << stored.size() << " events and "
              << reader.decisions().size() << " decisions in all, peak backlog " << peak_backlog << " records; "
              << "drained in " << drain_s << " s (" << static_cast<double>(peak_backlog) / drain_s
              << " records/s), " << message_count << " MQTT messages, " << out_of_order << " out of order\n";
}
