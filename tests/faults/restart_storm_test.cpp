// Restart storm: 100 terminals with a backlog of unacked events reconnect to a restarted gateway at the same
// moment and resend everything. All of it is stored exactly once, within a bounded time.
#include <catch2/catch.hpp>

#include <csignal>
#include <iostream>
#include <memory>

#include "fault_configs.hpp"
#include "fault_terminals.hpp"
#include "gateway_fixture.hpp"
#include "ledger_checks.hpp"

using namespace gatehouse::test;
using namespace gatehouse::test::faults;

TEST_CASE("100 terminals reconnecting at once with their backlogs are all stored exactly once", "[faults][storm]") {
    constexpr int kTerminals = 100;
    GatewayFixture gw(kTerminals + 1, "", immediate_policy(), immediate_policy());  // t1 on g1, t2..t101 on g2
    std::vector<std::unique_ptr<ResendingTerminal>> fleet;
    for (int i = 2; i <= kTerminals + 1; ++i) fleet.push_back(std::make_unique<ResendingTerminal>("t" + std::to_string(i), 20));
    for (auto& t : fleet) t->connect(gw.context(), gw.endpoint());
    // Some traffic acked, some in flight: then the gateway dies.
    for (int round = 0; round < 20; ++round) {
        for (auto& t : fleet) t->step(std::chrono::milliseconds(0));
    }
    gw.process().signal(SIGKILL);
    REQUIRE(gw.process().wait() == 128 + SIGKILL);
    // While it is away, every terminal keeps recording people passing.
    for (auto& t : fleet) t->create_offline(200);
    gw.start();
    const auto reconnected = FaultClock::now();
    for (auto& t : fleet) t->connect(gw.context(), gw.endpoint());  // all at once
    for (auto& t : fleet) t->stop_new_events();
    const auto deadline = reconnected + std::chrono::seconds(60);
    auto all_settled = [&] {
        for (const auto& t : fleet) {
            if (!t->settled()) return false;
        }
        return true;
    };
    while (!all_settled() && FaultClock::now() < deadline) {
        for (auto& t : fleet) t->step(std::chrono::milliseconds(0));
    }
    const double storm_s = std::chrono::duration<double>(FaultClock::now() - reconnected).count();
    REQUIRE(all_settled());
    std::size_t total = 0;
    std::vector<double> latencies;
    for (const auto& t : fleet) {
        CAPTURE(t->id());
        const auto stored = stored_seqs(gw, t->id());
        CHECK(stored.size() == static_cast<std::size_t>(t->created()));
        CHECK(stored == t->acked());
        total += stored.size();
        latencies.insert(latencies.end(), t->ack_latencies_ms().begin(), t->ack_latencies_ms().end());
    }
    const auto status = gw.status();
    CHECK(status["terminals_online"].get<int>() >= kTerminals);
    std::cout << "restart storm: " << kTerminals << " terminals resent their backlogs; " << total
              << " events stored exactly once; drained " << storm_s << " s after the restart; ack p99 "
              << percentile(latencies, 99) << " ms (from first send, including the outage for those in flight)\n";
}
