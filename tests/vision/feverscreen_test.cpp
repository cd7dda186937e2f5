// Real FLIR Lepton 3.5 recordings from the FeverScreen project, with that project's own expectations
// (tests/data/feverscreen/SOURCE.txt): read through CptvSource, rotated 90° clockwise, centi-kelvin,
// the kiosk's heated reference found automatically and taken as 37 °C (their calibration temperature).
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "gatehouse/vision/cptv_source.hpp"
#include "gatehouse/vision/screening_pipeline.hpp"

using namespace gatehouse::vision;

namespace {

struct Replay {
    std::vector<Screening> screenings;
    std::vector<CameraHealth> health;
    std::int64_t frames = 0;
};

Replay replay(const std::string& name) {
    CptvSource source(std::string(GATEHOUSE_TEST_DATA) + "/feverscreen/" + name + ".cptv");
    ScreeningConfig config;
    config.orientation = Orientation(90, false);
    config.radiometry = Radiometry::centikelvin();
    config.reference.mode = ReferenceConfig::Mode::automatic;
    config.reference.celsius = 37.0;
    ScreeningPipeline pipeline(config);
    Replay out;
    while (auto frame = source.next()) {
        ++out.frames;
        const auto& result = pipeline.process(*frame);
        REQUIRE_FALSE(result.error);
        out.screenings.insert(out.screenings.end(), result.screenings.begin(), result.screenings.end());
        if (result.health) out.health.push_back(*result.health);
    }
    for (const auto& s : pipeline.finish()) out.screenings.push_back(s);
    return out;
}

void check_measured_once(const Replay& r) {
    REQUIRE(r.screenings.size() == 1);
    const auto& s = r.screenings.front();
    INFO("verdict " << to_string(s.verdict) << " reason " << to_string(s.reason) << " celsius "
                    << s.celsius.value_or(-1) << " frame " << s.frame);
    // Measured: a temperature is reported, and a plausible one for a person with the reference at 37 °C.
    REQUIRE(s.celsius);
    CHECK(*s.celsius >= 34.5);
    CHECK(*s.celsius <= 38.0);
    CHECK(s.frames_used >= 3);
    CHECK(s.verdict != Verdict::elevated);
    // The box lies inside the 160x120 source frame (source coordinates, before rotation).
    CHECK(s.bbox.x >= 0);
    CHECK(s.bbox.y >= 0);
    CHECK(s.bbox.x + s.bbox.width <= 160);
    CHECK(s.bbox.y + s.bbox.height <= 120);
    // The reference was found before the person was screened.
    REQUIRE_FALSE(r.health.empty());
    bool reference_ok = false;
    for (const auto& h : r.health)
        if (h.reference == ReferenceState::ok && h.time_ms <= s.time_ms) reference_ok = true;
    CHECK(reference_ok);
}

}  // namespace

TEST_CASE("FeverScreen 20210325-091249: the person is measured once", "[vision][feverscreen]") {
    // The person wears sunglasses: the reading comes with verdict uncertain / face_occluded (see docs).
    check_measured_once(replay("20210325-091249"));
}

TEST_CASE("FeverScreen 20210322-112850: the person is measured once", "[vision][feverscreen]") {
    check_measured_once(replay("20210322-112850"));
}

TEST_CASE("FeverScreen 20210326-110819: a person who stays far away is not measured", "[vision][feverscreen]") {
    const auto r = replay("20210326-110819");
    CHECK(r.frames > 50);
    for (const auto& s : r.screenings) {
        INFO("screening at frame " << s.frame << " " << to_string(s.verdict));
        CHECK_FALSE(s.celsius);
        CHECK(s.verdict == Verdict::uncertain);
    }
    CHECK(r.screenings.empty());
}

TEST_CASE("FeverScreen 20210326-091927: an empty scene produces nothing", "[vision][feverscreen]") {
    const auto r = replay("20210326-091927");
    CHECK(r.frames > 50);
    CHECK(r.screenings.empty());
    // The reference is still found and reported healthy.
    REQUIRE_FALSE(r.health.empty());
    CHECK(r.health.back().reference == ReferenceState::ok);
    CHECK(r.health.back().fps > 8.0);
    CHECK(r.health.back().fps < 9.5);
}
