// Crash at any moment: under terminal load, access requests, a thermal stream and forwarding to a real broker,
// gatehoused is killed with SIGKILL at 30 random moments and restarted each time. Nothing acked may be lost or
// doubled, nothing a terminal was told may be missing from the ledger, and upstream gets every record.
#include <catch2/catch.hpp>

#include <csignal>
#include <iostream>
#include <random>

#include "fault_configs.hpp"
#include "fault_terminals.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "gateway_fixture.hpp"
#include "ledger_checks.hpp"
#include "mosquitto_broker.hpp"

using namespace gatehouse::test;
using namespace gatehouse::test::faults;

TEST_CASE("30 SIGKILLs under load lose nothing acked, nothing decided, nothing forwarded", "[faults][crash]") {
    TempDir broker_dir;
    MosquittoBroker broker(broker_dir.path());
    MqttSubscriber upstream(broker.port(), "gatehouse/#", "campus-platform", /*clean_session=*/false);
    GatewayFixture gw(2, synthetic_camera("cam1", "g1", "two_in_a_row") + mqtt_forwarding(broker.port()),
                      immediate_policy(), immediate_policy());
    ResendingTerminal events("t2", 200, 3000);  // 3,000 events/s at most, up to 200 unacked
    RequestingTerminal reader("t1");
    std::mt19937 random(20261201);
    std::uniform_int_distribution<int> load_ms(100, 900);
    const auto started = FaultClock::now();
    for (int round = 0; round < 30; ++round) {
        CAPTURE(round);
        events.connect(gw.context(), gw.endpoint());
        reader.connect(gw.context(), gw.endpoint());
        const auto kill_at = FaultClock::now() + std::chrono::milliseconds(load_ms(random));
        while (FaultClock::now() < kill_at) {
            events.step(std::chrono::milliseconds(2));
            reader.step();
        }
        gw.process().signal(SIGKILL);
        REQUIRE(gw.process().wait() == 128 + SIGKILL);
        const auto stored = stored_seqs(gw, "t2");
        for (std::int64_t seq : events.acked()) {
            if (!stored.count(seq)) FAIL("acked seq " << seq << " is missing after kill " << round + 1);
        }
        gw.start();
    }
    // The last run is left alone: the terminals resend their backlog, then everything must be there.
    events.connect(gw.context(), gw.endpoint());
    reader.connect(gw.context(), gw.endpoint());
    REQUIRE(events.drain(std::chrono::seconds(30)));
    const auto stored = stored_seqs(gw, "t2");
    CHECK(stored.size() == static_cast<std::size_t>(events.created()));
    CHECK(stored == events.acked());
    CHECK(*stored.rbegin() == events.created());

    gatehouse::storage::Ledger ledger({gw.ledger_path(), /*read_only=*/true});
    std::set<std::string> recorded_requests;
    for (const auto& d : ledger.decisions("", 0)) {
        if (!recorded_requests.insert(d.request).second) FAIL("decision " << d.request << " recorded twice");
    }
    for (const auto& [request, d] : reader.decisions()) {
        if (!recorded_requests.count(request)) FAIL("decision " << request << " was answered but is not in the ledger");
    }
    // Each start replays the camera's scene from its first frame, and a round may end before its first screening:
    // the last run, left alone, screens someone within the scene's first seconds.
    CHECK(eventually([&] { return !ledger.screenings("g1", 0).empty(); }, std::chrono::seconds(30), std::chrono::milliseconds(100)));
    CHECK(ledger.integrity_check() == "ok");

    // Upstream: every stored event and every recorded decision, each under exactly one idempotency key.
    UpstreamTally tally;
    const bool complete = tally.wait_until(
        upstream,
        [&](const UpstreamTally& t) {
            return t.events().size() >= stored.size() && t.decisions().size() >= recorded_requests.size();
        },
        std::chrono::seconds(120));
    INFO("upstream has " << tally.events().size() << " of " << stored.size() << " events, " << tally.decisions().size()
                         << " of " << recorded_requests.size() << " decisions; forwarding "
                         << gw.status()["forwarding"].dump());
    REQUIRE(complete);
    std::size_t stray = 0, double_keyed = 0;
    for (const auto& [seq, k] : tally.events()) {
        stray += stored.count(seq) ? 0 : 1;
        double_keyed += k.size() == 1 ? 0 : 1;
    }
    for (const auto& [request, k] : tally.decisions()) {
        stray += recorded_requests.count(request) ? 0 : 1;
        double_keyed += k.size() == 1 ? 0 : 1;
    }
    CHECK(stray == 0);         // nothing upstream that the ledger does not hold
    CHECK(double_keyed == 0);  // a duplicate always under the key of the first delivery
    const std::size_t message_count = tally.messages();
    std::cout << "crash: 30 SIGKILLs in " << std::chrono::duration<double>(FaultClock::now() - started).count()
              << " s; " << stored.size() << " events stored once each, " << reader.decisions().size()
              << " decisions received and recorded, " << message_count
              << " MQTT messages in all (events, decisions, screenings, alerts, redeliveries under the same key)\n";
}
