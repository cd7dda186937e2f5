#include <catch2/catch.hpp>

#include "gatehouse/daemon/gate_fusion.hpp"

using namespace gatehouse::daemon;
using std::chrono::milliseconds;

namespace {

const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);

gatehouse::storage::ScreeningRecord screening(std::int64_t id) {
    gatehouse::storage::ScreeningRecord s;
    s.id = id;
    s.camera = "cam1";
    s.gate = "g1";
    s.verdict = "normal";
    s.celsius = 36.6;
    return s;
}

WaitingRequest waiting(const std::string& id, std::chrono::steady_clock::time_point at, milliseconds window) {
    gatehouse::ipc::AccessRequest r;
    r.request = id;
    r.terminal = "t1";
    r.person = "P-" + id;
    return {r, "peer", at, at + window};
}

}  // namespace

TEST_CASE("a request takes the oldest unused screening of the window, once", "[fusion]") {
    GateFusion f(milliseconds(2000));
    CHECK_FALSE(f.add_screening(screening(1), t0));
    CHECK_FALSE(f.add_screening(screening(2), t0 + milliseconds(500)));
    CHECK(f.take(t0 + milliseconds(1000))->id == 1);  // queue order: the first screened presents first
    CHECK(f.take(t0 + milliseconds(1100))->id == 2);
    CHECK_FALSE(f.take(t0 + milliseconds(1200)));     // each screening is used once
}

TEST_CASE("a screening older than the window is not used", "[fusion]") {
    GateFusion f(milliseconds(1000));
    f.add_screening(screening(1), t0);
    CHECK_FALSE(f.take(t0 + milliseconds(1500)));
}

TEST_CASE("a waiting request takes the next screening, unanswered ones expire at their deadline", "[fusion]") {
    GateFusion f(milliseconds(1000));
    CHECK_FALSE(f.take(t0));
    f.wait(waiting("r1", t0, milliseconds(1000)));
    f.wait(waiting("r2", t0 + milliseconds(100), milliseconds(1000)));
    CHECK(f.next_deadline() == t0 + milliseconds(1000));
    const auto match = f.add_screening(screening(5), t0 + milliseconds(300));
    REQUIRE(match);
    CHECK(match->request.request.request == "r1");
    CHECK(match->screening.id == 5);
    CHECK(f.expire(t0 + milliseconds(1000)).requests.empty());
    const auto expired = f.expire(t0 + milliseconds(1100));
    REQUIRE(expired.requests.size() == 1);
    CHECK(expired.requests[0].request.request == "r2");
    CHECK(f.waiting() == 0);
}

TEST_CASE("an unclaimed screening near a credential is a tailgating hint, one far from any is not", "[fusion]") {
    GateFusion f(milliseconds(2000));
    f.add_screening(screening(1), t0);
    CHECK(f.take(t0 + milliseconds(200))->id == 1);      // the first person presents a card
    f.add_screening(screening(2), t0 + milliseconds(900));  // someone close behind presents nothing
    CHECK(f.expire(t0 + milliseconds(2800)).unclaimed_near_credential.empty());  // still within the window
    const auto expired = f.expire(t0 + milliseconds(3000));
    REQUIRE(expired.unclaimed_near_credential.size() == 1);
    CHECK(expired.unclaimed_near_credential[0].id == 2);

    f.add_screening(screening(3), t0 + milliseconds(60000));  // a passer-by long after: no credential near it
    CHECK(f.expire(t0 + milliseconds(63000)).unclaimed_near_credential.empty());
    CHECK(f.unused_screenings() == 0);
}

TEST_CASE("release_waiting hands back every waiting request", "[fusion]") {
    GateFusion f(milliseconds(1000));
    f.wait(waiting("r1", t0, milliseconds(1000)));
    f.wait(waiting("r2", t0, milliseconds(1000)));
    CHECK(f.release_waiting().size() == 2);
    CHECK_FALSE(f.next_deadline());
}
