// Disk full: the ledger's filesystem (a small tmpfs) runs out of space under load. The gateway stops acking
// (terminals keep their events and resend), raises storage_full on the consoles, keeps deciding access from
// memory by policy, and recovers by itself when space returns, losing nothing it acked or answered.
#include <catch2/catch.hpp>

#include <iostream>

#include "fault_configs.hpp"
#include "fault_terminals.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "gateway_fixture.hpp"
#include "ledger_checks.hpp"
#include "small_filesystem.hpp"
#include "test_console.hpp"

using namespace gatehouse::test;
using namespace gatehouse::test::faults;

namespace {

// Drives both terminals until `done()` or `timeout`; true when done.
template <typename Done>
bool run_load(ResendingTerminal& events, RequestingTerminal& reader, std::chrono::seconds timeout, Done done) {
    const auto deadline = FaultClock::now() + timeout;
    while (FaultClock::now() < deadline) {
        events.step(std::chrono::milliseconds(2));
        reader.step();
        if (done()) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("a full disk stops acks, raises storage_full, keeps deciding, and recovers with nothing lost",
          "[faults][disk_full]") {
    GatewayFixture gw(2, "", immediate_policy(), immediate_policy());
    SmallFilesystem disk(gw.dir() / "small-disk", 16);
    gw.relocate_ledger(disk.path());
    TestConsole console(gw.context(), gw.console_endpoint(), {"alert.storage_full", "alert_state."});
    gw.wait_for_console_topics(2);
    ResendingTerminal events("t2", 200);
    RequestingTerminal reader("t1", std::chrono::milliseconds(10));
    events.connect(gw.context(), gw.endpoint());
    reader.connect(gw.context(), gw.endpoint());
    REQUIRE(run_load(events, reader, std::chrono::seconds(20), [&] { return events.acked().size() >= 2000; }));

    const auto filler = disk.fill();
    INFO("filler " << filler << " bytes; " << disk.available() << " bytes left");
    // The WAL is reused after checkpoints, so the ledger may take a little more before a write needs new room.
    REQUIRE(run_load(events, reader, std::chrono::seconds(60), [&] { return events.refusals() > 0; }));
    const auto alert = console.expect("alert.storage_full", std::chrono::seconds(10));
    CHECK(alert.body["severity"] == "critical");
    CHECK(alert.body["source"] == "ledger");
    const std::size_t acked_when_full = events.acked().size();
    const std::size_t decided_when_full = reader.decisions().size();
    // While full: access is still decided (by policy, from memory), events are refused as retryable.
    REQUIRE(run_load(events, reader, std::chrono::seconds(20),
                     [&] { return reader.decisions().size() >= decided_when_full + 100 && events.refusals() > 200; }));
    const auto status = gw.status();
    CHECK(status["alerts"]["open_by_kind"]["storage_full"] == 1);
    CHECK(status["counters"]["records_awaiting_storage"].get<int>() > 0);
    const std::size_t acked_while_full = events.acked().size() - acked_when_full;

    disk.release();
    // Space returns: the terminals' resends are acked and the alert is closed, without a restart.
    REQUIRE(events.drain(std::chrono::seconds(60)));
    REQUIRE(reader.wait_answers(std::chrono::seconds(10)));
    bool closed = false;
    for (const auto deadline = FaultClock::now() + std::chrono::seconds(10); !closed && FaultClock::now() < deadline;) {
        if (auto m = console.receive(std::chrono::milliseconds(200))) {
            closed = m->topic.rfind("alert_state.", 0) == 0 && m->body["id"] == alert.body["id"] &&
                     m->body["state"] == "closed";
        }
    }
    CHECK(closed);
    // SIGTERM commits what is still waiting, then the ledger is checked.
    gw.process().signal(SIGTERM);
    REQUIRE(gw.process().wait() == 0);
    const auto stored = stored_seqs(gw, "t2");
    CHECK(stored == events.acked());
    CHECK(stored.size() == static_cast<std::size_t>(events.created()));
    gatehouse::storage::Ledger ledger({gw.ledger_path(), /*read_only=*/true});
    std::set<std::string> recorded;
    for (const auto& d : ledger.decisions("", 0)) CHECK(recorded.insert(d.request).second);
    std::size_t missing = 0;
    for (const auto& [request, d] : reader.decisions()) missing += recorded.count(request) ? 0 : 1;
    CHECK(missing == 0);
    bool storage_full_recorded = false;
    for (const auto& a : ledger.alerts(0, /*open_only=*/false)) storage_full_recorded |= a.kind == "storage_full";
    CHECK(storage_full_recorded);
    CHECK(ledger.integrity_check() == "ok");
    std::cout << "disk full: " << events.created() << " events, " << events.refusals() << " refusals while full, "
              << acked_while_full << " acked between the first refusal and the release (WAL room), "
              << reader.decisions().size() << " decisions (" << reader.decisions().size() - decided_when_full
              << " after the disk filled), all recorded\n";
}
