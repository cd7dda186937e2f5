// Slow or stuck consumers: a console that subscribes to everything and never reads, and a webhook that hangs on
// every request for minutes. Gate decisions keep their latency meanwhile.
#include <catch2/catch.hpp>

#include <atomic>
#include <iostream>

#include "fault_configs.hpp"
#include "fault_terminals.hpp"
#include "gateway_fixture.hpp"
#include "http_receiver.hpp"

using namespace gatehouse::test;
using namespace gatehouse::test::faults;

TEST_CASE("a console that never reads and a hanging webhook do not slow gate decisions", "[faults][consumers]") {
    std::atomic<bool> release{false};
    // Hangs for up to three minutes on every request (released when the test ends, so that it can stop).
    HttpReceiver hook([&](const ReceivedRequest&, std::size_t) {
        for (int i = 0; i < 3600 && !release.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return Answer{};
    });
    struct Release {
        std::atomic<bool>& flag;
        ~Release() { flag = true; }
    } release_on_exit{release};
    GatewayFixture gw(2,
                      "[forwarding]\nenabled = true\nmax_drain_rate = 0\n" + webhook_sink(hook.url()) +
                          "timeout_ms = 240000\n",
                      immediate_policy(), immediate_policy());
    // The stuck console: subscribed to every topic (events included), a tiny queue, never reads.
    zmq::socket_t stuck(gw.context(), zmq::socket_type::sub);
    stuck.set(zmq::sockopt::rcvhwm, 10);
    stuck.set(zmq::sockopt::rcvbuf, 4096);
    stuck.set(zmq::sockopt::linger, 0);
    stuck.set(zmq::sockopt::subscribe, "");
    stuck.connect(gw.console_endpoint());

    ResendingTerminal events("t2", 100);
    RequestingTerminal reader("t1", std::chrono::milliseconds(10));
    events.connect(gw.context(), gw.endpoint());
    reader.connect(gw.context(), gw.endpoint());
    const auto until = FaultClock::now() + std::chrono::seconds(12);
    while (FaultClock::now() < until) {
        events.step(std::chrono::milliseconds(1));
        reader.step();
    }
    REQUIRE(reader.wait_answers(std::chrono::seconds(5)));
    REQUIRE(events.drain(std::chrono::seconds(10)));
    const auto latencies = reader.latencies_ms();
    const double p50 = percentile(latencies, 50), p99 = percentile(latencies, 99);
    const auto status = gw.status();
    INFO("status " << status["consoles"].dump() << " " << status["forwarding"].dump());
    CHECK(!hook.requests().empty());                                 // the webhook was reached and hangs
    CHECK(status["consoles"]["overflows"].get<std::int64_t>() > 0);  // the stuck console lost, not the gate
    CHECK(latencies.size() > 500);
    // A gate held by either consumer would wait for the webhook's 240 s timeout or for ever on the console; 2 s
    // leaves room for a sanitizer build sharing two cores with another test. The latency goal itself is measured by
    // bench/gate_bench, not here.
    CHECK(p99 < 2000);
    std::cout << "slow consumers: " << latencies.size() << " decisions and " << events.acked().size()
              << " events with a stuck console and a hanging webhook; decision p50 " << p50 << " ms, p99 " << p99
              << " ms, max " << percentile(latencies, 100) << " ms; console overflows "
              << status["consoles"]["overflows"] << "\n";
}
