// Scenario files: the built-in ones are complete and within the brief; a bad file is a clear error that names
// the field; ranges, cycles and choices are drawn deterministically from the seed.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "gate_scene/builtin_scenarios.hpp"
#include "gate_scene/scenario_file.hpp"
#include "scene_probe.hpp"

using gate_scene::parse_scenario;
using gate_scene::ScenarioError;

namespace {

const char* kMinimal = R"({
  "name": "tiny", "description": "One person.", "duration_s": 6,
  "camera": {"width": 160, "height": 120, "fps": 9},
  "reference": {"center_px": [150, 10], "size_px": 8, "set_c": 35.0},
  "people": [{"arrive_s": 2.0, "dwell_s": 1.0}]
})";

std::string error_of(const std::string& text) {
    try {
        parse_scenario(text, std::nullopt, "test.json");
    } catch (const ScenarioError& e) {
        return e.what();
    }
    return "";
}

std::string with(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("every built-in scenario parses, is named after its file and lasts at most 40 s", "[scenegen]") {
    const auto all = gate_scene::builtin_scenarios();
    REQUIRE(all.size() >= 16);
    for (const auto& b : all) {
        INFO(b.name);
        const auto s = parse_scenario(b.json, std::nullopt, b.name);
        CHECK(s.name == b.name);
        CHECK_FALSE(s.description.empty());
        CHECK(s.duration_s <= 40.0);
    }
}

TEST_CASE("the built-in scenarios cover the gate conditions of the brief", "[scenegen]") {
    std::set<std::string> names;
    int febrile = 0, glasses = 0, masks = 0, hats = 0, drinks = 0, cold = 0, walk_through = 0, children = 0, tall = 0;
    std::set<int> widths;
    std::set<double> rates;
    std::set<gate_scene::GivenAs> given;
    for (const auto& b : gate_scene::builtin_scenarios()) {
        const auto s = parse_scenario(b.json, std::nullopt, b.name);
        names.insert(s.name);
        widths.insert(s.camera.width);
        rates.insert(s.camera.fps);
        given.insert(s.reference.given);
        for (const auto& p : s.people) {
            febrile += p.canthus_c - p.cold_canthus_drop_c >= s.threshold_c;
            glasses += p.glasses != gate_scene::Glasses::none;
            masks += p.mask;
            hats += p.headwear != gate_scene::Headwear::none;
            drinks += p.drink != gate_scene::Drink::none;
            cold += p.cold;
            walk_through += p.path == gate_scene::PathKind::walk_through;
            children += p.kind == gate_scene::PersonKind::child;
            tall += p.kind == gate_scene::PersonKind::tall;
        }
    }
    for (const char* required : {"normal_queue", "queue_1s", "lepton_queue_160", "queue_640_3s", "pairs_384", "kiosk_motion_9fps",
                                 "wearables", "warm_objects", "cold_arrivals", "drift_ffc", "reference_shifted", "reference_larger",
                                 "reference_circle", "walk_through_far_close", "febrile_mix_640_9fps", "objects_only",
                                 "tall_and_children", "next_in_line"})
        CHECK(names.contains(required));
    CHECK(febrile >= 12);
    CHECK(glasses >= 2);
    CHECK(masks >= 10);
    CHECK(hats >= 3);
    CHECK(drinks >= 2);
    CHECK(cold >= 4);
    CHECK(walk_through >= 2);
    CHECK(children >= 2);
    CHECK(tall >= 2);
    CHECK(widths == std::set<int>{160, 384, 640});
    CHECK(rates.contains(9.0));
    CHECK(rates.contains(25.0));
    CHECK(given.size() >= 4);
}

TEST_CASE("normal_queue is the issue's scene", "[scenegen]") {
    const auto s = gate_scene::test::builtin("normal_queue");
    CHECK(s.camera.width == 384);
    CHECK(s.camera.height == 288);
    CHECK(s.camera.fps == 25);
    REQUIRE(s.people.size() == 9);
    int masked = 0, febrile = 0;
    for (std::size_t i = 0; i < s.people.size(); ++i) {
        const auto& p = s.people[i];
        masked += p.mask;
        if (p.canthus_c >= 37.3) {
            ++febrile;
            CHECK(p.canthus_c == 38.2);
            CHECK_FALSE(p.mask);
        }
        CHECK(std::abs(p.stop_px) <= 30);
        if (i > 0) CHECK(p.arrive_s - s.people[i - 1].arrive_s == Approx(2.7));
    }
    CHECK(febrile == 1);
    CHECK(masked >= 4);
    CHECK(masked <= 5);
    CHECK(s.reference.size_px == 12);
    CHECK(s.reference.given == gate_scene::GivenAs::outline);
    CHECK(s.camera.drift.amplitude_c > 0);
}

TEST_CASE("a scenario file is strict about names, types and ranges", "[scenegen]") {
    REQUIRE(error_of(kMinimal).empty());
    CHECK_THAT(error_of("{ nope"), Catch::Contains("test.json: not valid JSON"));
    CHECK_THAT(error_of("[1, 2]"), Catch::Contains("expected an object"));
    CHECK_THAT(error_of(with(kMinimal, "\"fps\": 9", "\"fps\": 9, \"blurr\": 1")), Catch::Contains("camera.blurr: unknown field"));
    CHECK_THAT(error_of(with(kMinimal, "\"width\"", "\"widht\"")), Catch::Contains("camera.width: missing"));
    CHECK_THAT(error_of(with(kMinimal, "\"fps\": 9", "\"fps\": \"9\"")), Catch::Contains("camera.fps: expected a number, got a string"));
    CHECK_THAT(error_of(with(kMinimal, "\"fps\": 9", "\"fps\": 0")), Catch::Contains("camera.fps: 0 is outside [1, 120]"));
    CHECK_THAT(error_of(with(kMinimal, "\"dwell_s\": 1.0", "\"dwell_s\": \"long\"")),
               Catch::Contains("people[0].dwell_s: expected a number, got a string"));
    CHECK_THAT(error_of(with(kMinimal, "\"dwell_s\": 1.0", "\"dwell_s\": [2, 1]")), Catch::Contains("people[0].dwell_s: range [low, high] with low > high"));
    CHECK_THAT(error_of(with(kMinimal, "\"dwell_s\": 1.0", "\"dwell_s\": 1.0, \"mask\": \"yes\"")),
               Catch::Contains("people[0].mask: expected true or false"));
    CHECK_THAT(error_of(with(kMinimal, "\"dwell_s\": 1.0", "\"dwell_s\": 1.0, \"glasses\": \"dark\"")),
               Catch::Contains("\"dark\" is not one of none, clear, sun"));
    CHECK_THAT(error_of(with(kMinimal, "\"arrive_s\": 2.0, ", "")), Catch::Contains("people[0].arrive_s: missing"));
    CHECK_THAT(error_of(with(kMinimal, "\"arrive_s\": 2.0", "\"arrive_s\": 5.5")), Catch::Contains("too close to the end of the scene"));
    CHECK_THAT(error_of(with(kMinimal, "\"center_px\": [150, 10]", "\"center_px\": [158, 10]")),
               Catch::Contains("reference.center_px: the plate must lie inside the frame"));
    CHECK_THAT(error_of(with(kMinimal, "\"set_c\": 35.0", "\"set_c\": 35.0, \"given\": \"shifted\"")),
               Catch::Contains("reference.shift_px: missing"));
    CHECK_THAT(error_of(with(kMinimal, "[{\"arrive_s\": 2.0, \"dwell_s\": 1.0}]",
                             "[{\"repeat\": 2, \"every_s\": 1, \"arrive_s\": 1.0, \"with\": {\"2\": {\"mask\": true}}}]")),
               Catch::Contains("people[0].with.2: expected an index of the group, 0 to 1"));
    CHECK_THAT(error_of(with(kMinimal, "[{\"arrive_s\": 2.0, \"dwell_s\": 1.0}]",
                             "[{\"arrive_s\": 1.0, \"id\": \"a\"}, {\"arrive_s\": 2.0, \"id\": \"a\"}]")),
               Catch::Contains("two people have the id \"a\""));
    CHECK_THAT(error_of(with(kMinimal, "\"name\": \"tiny\"", "\"name\": \"Tiny Scene\"")), Catch::Contains("name: expected lower-case"));
}

TEST_CASE("ranges, cycles and choices are drawn from the seed, the same way every time", "[scenegen]") {
    const std::string group = with(kMinimal, "[{\"arrive_s\": 2.0, \"dwell_s\": 1.0}]",
                                   R"([{"repeat": 4, "every_s": 0.5, "arrive_s": 1.0, "dwell_s": [0.6, 0.9],
                                        "mask": {"cycle": [true, false]}, "headwear": {"choice": ["cap", "hood"]},
                                        "with": {"2": {"canthus_c": 38.5, "arrive_s": 1.2}}}])");
    const auto a = parse_scenario(group, std::nullopt, "a");
    const auto b = parse_scenario(group, std::nullopt, "b");
    const auto c = parse_scenario(group, 99, "c");
    REQUIRE(a.people.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        const auto& p = a.people[i];
        CHECK(p.id == "p" + std::to_string(i + 1));
        CHECK(p.dwell_s >= 0.6);
        CHECK(p.dwell_s <= 0.9);
        CHECK(p.mask == (i % 2 == 0));
        CHECK(p.headwear != gate_scene::Headwear::none);
        CHECK(p.dwell_s == b.people[i].dwell_s);
        CHECK(p.appearance_seed == b.people[i].appearance_seed);
        CHECK(p.appearance_seed != c.people[i].appearance_seed);
    }
    CHECK(a.people[1].arrive_s == Approx(1.5));
    CHECK(a.people[2].arrive_s == Approx(1.2));  // an override's arrive_s is absolute
    CHECK(a.people[2].canthus_c == 38.5);
    CHECK(a.people[3].arrive_s == Approx(2.5));
    CHECK(c.seed == 99);
}
