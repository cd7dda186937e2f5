// The synthetic scenario suite against the goals of issue 8.
#include <algorithm>
#include <cmath>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "scenario_evaluation.hpp"

using namespace gatehouse::vision;
using gatehouse::vision::testing::run_scenario;
using gatehouse::vision::testing::ScenarioResult;

namespace {

/// Accuracy over every measurable person of the suite.
struct Accuracy {
    std::vector<double> errors;
    double median() const {
        auto e = errors;
        std::sort(e.begin(), e.end());
        return e.empty() ? 0 : e[e.size() / 2];
    }
    double max() const { return errors.empty() ? 0 : *std::max_element(errors.begin(), errors.end()); }
};

/// Checks one scenario's outcome person by person; adds measurable people's absolute errors to `accuracy`.
void check_scenario(const ScenarioResult& r, Accuracy& accuracy) {
    INFO("scenario " << r.name);
    // No screening that belongs to nobody: objects (cups, heaters, monitors, lamps, floors) never screen.
    for (const auto& s : r.unattributed) {
        INFO("unattributed screening at frame " << s.frame << " verdict " << to_string(s.verdict));
        CHECK(false);
    }
    for (const auto& p : r.people) {
        INFO("person " << p.truth.person << " canthus " << p.truth.canthus_celsius << " expect "
                       << to_string(p.truth.expect) << " " << p.truth.expect_reason);
        if (p.truth.expect == ExpectedOutcome::none) {
            CHECK(p.screenings.empty());
            continue;
        }
        // Exactly one screening per person.
        REQUIRE(p.screenings.size() == 1);
        const auto& s = p.screenings.front();
        INFO("got " << to_string(s.verdict) << " " << to_string(s.reason) << " " << s.celsius.value_or(-1));
        switch (p.truth.expect) {
            case ExpectedOutcome::elevated: CHECK(s.verdict == Verdict::elevated); break;
            case ExpectedOutcome::normal: CHECK(s.verdict == Verdict::normal); break;
            case ExpectedOutcome::uncertain:
                CHECK(s.verdict == Verdict::uncertain);
                if (!p.truth.expect_reason.empty()) CHECK(to_string(s.reason) == p.truth.expect_reason);
                break;
            case ExpectedOutcome::none: break;
        }
        // Never elevated for someone who is not febrile.
        if (!p.truth.febrile) CHECK(s.verdict != Verdict::elevated);
        if (p.truth.expect == ExpectedOutcome::elevated || p.truth.expect == ExpectedOutcome::normal) {
            REQUIRE(s.celsius);
            accuracy.errors.push_back(std::abs(*s.celsius - p.truth.canthus_celsius));
            CHECK(s.frames_used >= 3);
        }
        // A verdict within one second of reaching the mark.
        if (p.truth.mark_time_s) {
            REQUIRE(p.delay_s);
            CHECK(*p.delay_s <= 1.0);
        }
    }
}

}  // namespace

TEST_CASE("scenario suite: every goal of the screening contract", "[vision][scenarios]") {
    const auto scenes = builtin_scenes();
    REQUIRE(scenes.size() >= 15);
    Accuracy accuracy;
    int febrile = 0, febrile_elevated = 0;
    for (const auto& spec : scenes) {
        const auto result = run_scenario(spec);
        check_scenario(result, accuracy);
        for (const auto& p : result.people) {
            if (p.truth.expect != ExpectedOutcome::elevated) continue;
            ++febrile;
            if (p.screenings.size() == 1 && p.screenings[0].verdict == Verdict::elevated) ++febrile_elevated;
        }
    }
    // Recall 100 % on febrile, measurable people.
    CHECK(febrile >= 10);
    CHECK(febrile_elevated == febrile);
    // Median absolute error <= 0.2 °C and maximum <= 0.4 °C (drift up to ±1 °C is part of the suite).
    REQUIRE(accuracy.errors.size() >= 25);
    WARN("measured people: " << accuracy.errors.size() << ", median |error| " << accuracy.median()
                             << " °C, max |error| " << accuracy.max() << " °C, febrile recall "
                             << febrile_elevated << "/" << febrile);
    CHECK(accuracy.median() <= 0.2);
    CHECK(accuracy.max() <= 0.4);
}

TEST_CASE("scenario suite with the reference found automatically", "[vision][scenarios]") {
    for (const char* name : {"drift_up", "cold_arrival", "hot_cup", "side_by_side", "hd_640"}) {
        const auto spec = *builtin_scene(name);
        SyntheticSource source(spec);
        const auto result = run_scenario(spec, gatehouse::vision::testing::config_for(source.scene(), true));
        Accuracy accuracy;
        check_scenario(result, accuracy);
        CHECK(accuracy.max() <= 0.4);
        // The reference was found and used.
        REQUIRE_FALSE(result.health.empty());
        CHECK(result.health.back().reference == ReferenceState::ok);
    }
}

TEST_CASE("scenario files give the same results as the built-in scenarios they describe", "[vision][scenarios]") {
    const auto spec = *builtin_scene("single_febrile");
    const auto again = scene_from_json(to_json(spec));
    const auto a = run_scenario(spec);
    const auto b = run_scenario(again);
    REQUIRE(a.people.size() == 1);
    REQUIRE(b.people.size() == 1);
    REQUIRE(a.people[0].screenings.size() == 1);
    REQUIRE(b.people[0].screenings.size() == 1);
    CHECK(a.people[0].screenings[0].celsius == b.people[0].screenings[0].celsius);
    CHECK(a.people[0].screenings[0].frame == b.people[0].screenings[0].frame);
}

TEST_CASE("without a reference, camera drift shows up in the readings", "[vision][scenarios]") {
    // The counter-test for the drift scenarios: the blackbody is what cancels the drift.
    auto spec = *builtin_scene("single_normal");
    spec.camera.drift_celsius = 1.0;
    spec.camera.drift_period_s = 10;  // at the mark (2.3–4.8 s) the camera reads about +1 °C high
    SyntheticSource source(spec);
    auto config = gatehouse::vision::testing::config_for(source.scene());
    config.reference = ReferenceConfig{};
    const auto result = run_scenario(spec, config);
    REQUIRE(result.people[0].screenings.size() == 1);
    const auto& s = result.people[0].screenings[0];
    REQUIRE(s.celsius);
    CHECK(*s.celsius - spec.people[0].canthus_celsius > 0.5);
}

TEST_CASE("the suite's outcomes do not hang on one noise seed", "[vision][scenarios]") {
    // Same scenes, other noise, fixed-pattern and texture draws: outcomes and accuracy must hold too.
    Accuracy accuracy;
    for (std::uint64_t seed : {1001u, 2002u}) {
        for (auto spec : builtin_scenes()) {
            spec.camera.seed = seed + spec.camera.seed;
            check_scenario(run_scenario(spec), accuracy);
        }
    }
    WARN("other seeds: measured " << accuracy.errors.size() << ", median |error| " << accuracy.median()
                                  << " °C, max " << accuracy.max() << " °C");
    CHECK(accuracy.median() <= 0.2);
    CHECK(accuracy.max() <= 0.4);
}
