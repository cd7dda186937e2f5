// The camera monitor's transitions, which raise and close camera_fault and blackbody_fault.
#include <catch2/catch.hpp>

#include "gatehouse/daemon/camera_monitor.hpp"

using namespace gatehouse::daemon;
using Kind = CameraTransition::Kind;
using gatehouse::vision::ReferenceState;

namespace {

std::vector<CameraConfig> one_camera() {
    CameraConfig c;
    c.id = "cam1";
    c.gate = "g1";
    return {c};
}

gatehouse::vision::CameraHealth health(ReferenceState reference) {
    gatehouse::vision::CameraHealth h;
    h.fps = 9;
    h.frames = 10;
    h.reference = reference;
    return h;
}

std::vector<Kind> kinds(const std::vector<CameraTransition>& transitions) {
    std::vector<Kind> out;
    for (const auto& t : transitions) out.push_back(t.kind);
    return out;
}

}  // namespace

TEST_CASE("a camera's first health report after start-up counts as a recovery, so that alerts of a previous run close",
          "[daemon][camera]") {
    const auto now = std::chrono::steady_clock::now();
    SECTION("healthy at once: recovered and blackbody ok (both no-ops when nothing is open)") {
        CameraMonitor m;
        m.reset(one_camera(), now);
        CHECK(kinds(m.on_health("cam1", health(ReferenceState::ok), now)) == std::vector<Kind>{Kind::recovered, Kind::blackbody_ok});
        // Only the first report: later healthy reports change nothing.
        CHECK(m.on_health("cam1", health(ReferenceState::ok), now).empty());
    }
    SECTION("reference missing from the first report: a blackbody fault, not an ok") {
        CameraMonitor m;
        m.reset(one_camera(), now);
        CHECK(kinds(m.on_health("cam1", health(ReferenceState::missing), now)) ==
              std::vector<Kind>{Kind::recovered, Kind::blackbody_fault});
        CHECK(m.on_health("cam1", health(ReferenceState::missing), now).empty());  // raised once
        CHECK(kinds(m.on_health("cam1", health(ReferenceState::ok), now)) == std::vector<Kind>{Kind::blackbody_ok});
    }
    SECTION("a camera that faulted before its first frame still gets its first-report blackbody check") {
        CameraMonitor m;
        m.reset(one_camera(), now);
        CHECK(kinds(m.on_fault("cam1", "cannot open", now)) == std::vector<Kind>{Kind::fault});
        CHECK(kinds(m.on_health("cam1", health(ReferenceState::ok), now)) == std::vector<Kind>{Kind::recovered, Kind::blackbody_ok});
    }
    SECTION("a reset (reload restarting the cameras) re-evaluates again") {
        CameraMonitor m;
        m.reset(one_camera(), now);
        (void)m.on_health("cam1", health(ReferenceState::ok), now);
        m.reset(one_camera(), now);
        CHECK(kinds(m.on_health("cam1", health(ReferenceState::ok), now)) == std::vector<Kind>{Kind::recovered, Kind::blackbody_ok});
    }
}
