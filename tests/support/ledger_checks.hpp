#pragma once
// Reading back what a test's gatehoused recorded: a terminal's stored seqs (each exactly once), and a terminal
// streaming events with a window of unacked ones, as the crash and fault tests drive it.
#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "gatehouse/storage/ledger.hpp"
#include "gateway_fixture.hpp"
#include "test_terminal.hpp"

namespace gatehouse::test {

/// The seqs the ledger holds for `terminal`; fails the test if one is stored twice.
inline std::set<std::int64_t> stored_seqs(const std::filesystem::path& ledger_path, const std::string& terminal) {
    storage::Ledger ledger({ledger_path, /*read_only=*/true});
    storage::EventFilter f;
    f.terminal = terminal;
    std::set<std::int64_t> seqs;
    for (const auto& row : ledger.query_events(f)) {
        if (!seqs.insert(row.event.seq).second) FAIL("seq " << row.event.seq << " of " << terminal << " is stored twice");
    }
    return seqs;
}
inline std::set<std::int64_t> stored_seqs(const GatewayFixture& gw, const std::string& terminal) {
    return stored_seqs(gw.ledger_path(), terminal);
}

/// Streams events with up to `window` unacked until `stop_after_acks` acks arrived; returns the acked seqs.
/// Sends continue while acks are counted, so a kill right after lands with events in flight.
inline std::set<std::int64_t> stream(TestTerminal& t, std::int64_t& next_seq, std::size_t window,
                                     std::size_t stop_after_acks) {
    std::set<std::int64_t> acked;
    std::size_t in_flight = 0;
    while (acked.size() < stop_after_acks) {
        while (in_flight < window) {
            t.send_event(next_seq++);
            ++in_flight;
        }
        auto reply = t.receive(std::chrono::seconds(5));
        REQUIRE(reply);
        REQUIRE((*reply)["type"] == "ack");
        acked.insert((*reply)["seq"].get<std::int64_t>());
        --in_flight;
    }
    for (int i = 0; i < 50; ++i) t.send_event(next_seq++);  // more in flight at the moment of the kill
    return acked;
}

}  // namespace gatehouse::test
