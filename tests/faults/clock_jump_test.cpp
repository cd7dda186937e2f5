// Clock jumps: the wall clock the daemon sees (libfaketime, with the monotonic clock left alone) steps back an
// hour and then forward an hour while the gate works. The outbox keeps its order, nothing fresh is expired, and
// timeouts (heartbeats, the fusion window) keep their real length.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>

#include "fault_configs.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "fault_terminals.hpp"
#include "gateway_fixture.hpp"
#include "ledger_checks.hpp"
#include "mosquitto_broker.hpp"

using namespace gatehouse::test;
using namespace gatehouse::test::faults;
using nlohmann::json;

namespace {

constexpr const char* kFaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// The offset file libfaketime reads on every clock call (FAKETIME_NO_CACHE).
class WallClockOffset {
public:
    explicit WallClockOffset(std::filesystem::path file) : file_(std::move(file)) { set("+0"); }
    void set(const std::string& offset) {
        const auto tmp = file_.string() + ".tmp";
        std::ofstream(tmp) << offset << "\n";
        std::filesystem::rename(tmp, file_);  // never a half-written file for the daemon to read
    }
    std::vector<std::string> environment() const {
        // Under AddressSanitizer the preloaded libfaketime comes before the ASan runtime, which ASan refuses
        // unless told that this order is intended; without ASan the option is ignored.
        const char* asan = std::getenv("ASAN_OPTIONS");
        const std::string asan_options = std::string(asan && *asan ? std::string(asan) + ":" : "") + "verify_asan_link_order=0";
        return {"LD_PRELOAD=" + std::string(kFaketime), "FAKETIME_TIMESTAMP_FILE=" + file_.string(),
                "FAKETIME_NO_CACHE=1", "FAKETIME_DONT_FAKE_MONOTONIC=1", "ASAN_OPTIONS=" + asan_options};
    }

private:
    std::filesystem::path file_;
};

}  // namespace

TEST_CASE("wall clock steps of an hour back and forward reorder, expire and time out nothing", "[faults][clock]") {
    REQUIRE(std::filesystem::exists(kFaketime));  // Debian's faketime package (scripts/bootstrap installs it)
    TempDir broker_dir;
    MosquittoBroker broker(broker_dir.path());
    MqttSubscriber upstream(broker.port(), "gatehouse/#", "campus-platform", /*clean_session=*/false);
    // Routine records live 2 hours: a forward step of 1 hour must not expire them; terminals time out after 3 s.
    const std::string config = synthetic_camera("cam1", "g1", "empty") + mqtt_forwarding(broker.port()) +
                               "[forwarding.lanes.routine]\nttl_hours = 2\n";
    GatewayFixture gw(2, "[limits]\nheartbeat_interval_ms = 1000\nheartbeat_timeout_ms = 3000\n" + config, screening_policy("deny", 1500),
                      immediate_policy());
    WallClockOffset offset(gw.dir() / "faketime.rc");
    gw.set_environment(offset.environment());
    gw.process().signal(SIGTERM);
    REQUIRE(gw.process().wait() == 0);
    gw.start();
    ResendingTerminal events("t2", 50);
    events.connect(gw.context(), gw.endpoint());

    std::vector<double> fusion_waits_ms;
    auto phase = [&](const std::string& wall_offset) {
        offset.set(wall_offset);
        const auto until = FaultClock::now() + std::chrono::seconds(4);  // longer than the heartbeat timeout
        while (FaultClock::now() < until) events.step(std::chrono::milliseconds(5));
        // A request at the camera gate waits the fusion window for a screening that does not come (empty scene).
        RequestingTerminal one("t1", std::chrono::hours(1));
        one.connect(gw.context(), gw.endpoint());
        one.step();
        REQUIRE(one.wait_answers(std::chrono::seconds(10)));
        const auto& d = one.decisions().begin()->second;
        CHECK(d.reasons == std::vector<std::string>{"no_screening"});
        fusion_waits_ms.push_back(d.latency_ms);
    };
    phase("+0");
    phase("-1h");
    phase("+1h");
    phase("+0");
    REQUIRE(events.drain(std::chrono::seconds(20)));
    for (double ms : fusion_waits_ms) {
        CHECK(ms >= 1400);  // the 1.5 s window, measured on the monotonic clock
        CHECK(ms < 5000);
    }
    const auto status = gw.status();
    // t2 spoke all the time: a wall-clock step must not have made it look silent (t1 may be, it only asks).
    for (const auto& t : status["terminals"]) {
        if (t["id"] == "t2") CHECK(t["online"] == true);
    }
    CHECK(gw.process().stderr_text().find("terminal t2 offline") == std::string::npos);
    const auto stored = stored_seqs(gw, "t2");
    CHECK(stored.size() == static_cast<std::size_t>(events.created()));
    // The steps reached the daemon: what it recorded spans the two hours between -1 h and +1 h.
    std::int64_t first_ms = std::numeric_limits<std::int64_t>::max(), last_ms = 0;
    {
        gatehouse::storage::Ledger ledger({gw.ledger_path(), /*read_only=*/true});
        gatehouse::storage::EventFilter f;
        f.terminal = "t2";
        for (const auto& row : ledger.query_events(f)) {
            first_ms = std::min(first_ms, row.event.received_ms);
            last_ms = std::max(last_ms, row.event.received_ms);
        }
    }
    CHECK(last_ms - first_ms > 7'000'000);
    // Upstream: every event (none expired by the forward step), each lane in lane_seq order.
    UpstreamTally tally;
    const bool complete = tally.wait_until(
        upstream, [&](const UpstreamTally& t) { return t.events().size() >= stored.size(); }, std::chrono::seconds(60));
    INFO("upstream has " << tally.events().size() << " of " << stored.size() << " events; status "
                         << gw.status()["forwarding"].dump());
    REQUIRE(complete);
    const std::size_t out_of_order = tally.out_of_order();
    CHECK(out_of_order == 0);
    const nlohmann::json final_status = gw.status();  // held: the loop below iterates inside it
    for (const auto& lane : final_status["forwarding"]["lanes"]) CHECK(lane["expired"] == 0);
    std::cout << "clock jumps (+0, -1h, +1h, +0): " << stored.size() << " events all forwarded, " << out_of_order
              << " out of order; fusion waits " << fusion_waits_ms[0] << ", " << fusion_waits_ms[1] << ", "
              << fusion_waits_ms[2] << ", " << fusion_waits_ms[3] << " ms for a 1500 ms window; t2 never offline\n";
}
