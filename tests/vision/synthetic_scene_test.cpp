#include <filesystem>
#include <fstream>
#include <set>
#include <type_traits>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "gatehouse/vision/synthetic_scene.hpp"
#include "gatehouse/vision/synthetic_source.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::vision;

TEST_CASE("built-in scenarios are many, distinctly named and cover the hard cases", "[vision][synthetic]") {
    const auto scenes = builtin_scenes();
    CHECK(scenes.size() >= 15);
    CHECK(scenes.size() <= 30);
    std::set<std::string> names;
    bool mask = false, glasses = false, hat = false, cold = false, drift = false, objects = false, sideways = false;
    for (const auto& s : scenes) {
        CHECK(names.insert(s.name).second);
        CHECK_FALSE(s.description.empty());
        drift |= s.camera.drift_celsius != 0;
        objects |= !s.objects.empty();
        sideways |= s.camera.rotate_cw != 0;
        for (const auto& p : s.people) {
            mask |= p.mask;
            glasses |= p.glasses;
            hat |= p.hat;
            cold |= p.cold_arrival;
        }
    }
    CHECK((mask && glasses && hat && cold && drift && objects && sideways));
    CHECK(builtin_scene("single_febrile"));
    CHECK_FALSE(builtin_scene("no_such_scene"));
}

TEST_CASE("rendering is deterministic and random-access", "[vision][synthetic]") {
    SceneRenderer a(*builtin_scene("drift_up"));
    SceneRenderer b(*builtin_scene("drift_up"));
    const cv::Mat late = a.render(100);
    b.render(3);  // rendering another frame first must not change frame 100
    CHECK(cv::norm(late, b.render(100), cv::NORM_INF) == 0);
    CHECK(late.type() == CV_16UC1);
    CHECK(late.size() == cv::Size(160, 120));
    // Temporal noise: consecutive frames differ.
    CHECK(cv::norm(a.render(100), a.render(101), cv::NORM_INF) > 0);
}

TEST_CASE("frames are in centi-kelvin and the camera drift moves everything, blackbody included", "[vision][synthetic]") {
    auto spec = *builtin_scene("empty_drift");
    spec.camera.noise_celsius = 0;
    SceneRenderer scene(spec);
    const auto bb = *scene.blackbody_rect();
    const cv::Rect inner(bb.x + bb.width / 3, bb.y + bb.height / 3, bb.width / 3, bb.height / 3);
    const auto reading = [&](std::int64_t i) { return cv::mean(scene.render(i)(inner))[0] / 100.0 - 273.15; };
    const double at_start = reading(0);
    CHECK(at_start == Approx(35.0).margin(0.3));
    // A quarter period in, the drift is at its +1 °C peak.
    const auto quarter = static_cast<std::int64_t>(spec.camera.drift_period_s / 4 * spec.camera.fps);
    CHECK(scene.drift_at(spec.camera.drift_period_s / 4) == Approx(1.0));
    CHECK(reading(quarter) - at_start == Approx(1.0).margin(0.1));
}

TEST_CASE("ground truth: head boxes per frame, marks and expectations", "[vision][synthetic]") {
    SceneRenderer scene(*builtin_scene("single_febrile"));
    const auto people = scene.person_truth();
    REQUIRE(people.size() == 1);
    CHECK(people[0].febrile);
    CHECK(people[0].expect == ExpectedOutcome::elevated);
    REQUIRE(people[0].mark_time_s);
    CHECK(*people[0].mark_time_s == Approx(2.3));
    // At the mark the head is fully in the frame and about a fifth of its width.
    const auto at_mark = scene.frame_truth(80);
    REQUIRE(at_mark.size() == 1);
    CHECK(at_mark[0].distance_m == Approx(1.0));
    CHECK(at_mark[0].head.width > 25);
    CHECK(at_mark[0].head.width < 45);
    CHECK((at_mark[0].head & cv::Rect(0, 0, 160, 120)) == at_mark[0].head);
    // Before the person enters there is nobody.
    CHECK(scene.frame_truth(0).empty());

    CHECK(SceneRenderer(*builtin_scene("far_person")).person_truth()[0].expect == ExpectedOutcome::none);
    const auto glasses = SceneRenderer(*builtin_scene("glasses")).person_truth()[0];
    CHECK(glasses.expect == ExpectedOutcome::uncertain);
    CHECK(glasses.expect_reason == "face_occluded");
    CHECK(SceneRenderer(*builtin_scene("too_close")).person_truth()[0].expect_reason == "too_close");
}

TEST_CASE("a sideways mount renders rotated frames with boxes in the camera's coordinates", "[vision][synthetic]") {
    SceneRenderer scene(*builtin_scene("sideways_mount"));
    const cv::Mat frame = scene.render(80);
    CHECK(frame.size() == cv::Size(160, 120));  // the camera's own frame size
    const auto truth = scene.frame_truth(80);
    REQUIRE(truth.size() == 1);
    // The head lies on its side in the camera frame: wider than tall, and it is the warm thing in the box.
    CHECK(truth[0].head.width > truth[0].head.height);
    double inside = 0;
    cv::minMaxLoc(frame(truth[0].head), nullptr, &inside);
    CHECK(inside / 100.0 - 273.15 > 36.0);
}

TEST_CASE("scenario JSON round-trips and rejects nonsense with a message naming the field", "[vision][synthetic]") {
    for (const auto& spec : builtin_scenes()) {
        const auto again = scene_from_json(to_json(spec));
        CHECK(to_json(again) == to_json(spec));
    }
    auto bad = to_json(*builtin_scene("single_normal"));
    bad["camera"]["width"] = 5;
    CHECK_THROWS_WITH(scene_from_json(bad), Catch::Contains("width"));
    bad = to_json(*builtin_scene("single_normal"));
    bad["people"][0]["path"] = nlohmann::json::array({nlohmann::json::array({0, 0.5})});
    CHECK_THROWS_WITH(scene_from_json(bad), Catch::Contains("path"));
    bad = to_json(*builtin_scene("single_normal"));
    bad["objects"] = nlohmann::json::array({{{"kind", "dragon"}}});
    CHECK_THROWS_WITH(scene_from_json(bad), Catch::Contains("dragon"));
    bad = to_json(*builtin_scene("single_normal"));
    bad["camera"]["fps"] = "fast";
    CHECK_THROWS_WITH(scene_from_json(bad), Catch::Contains("fps"));
}

TEST_CASE("scenario files load, write_scene writes 16-bit PNGs and truth.json", "[vision][synthetic]") {
    gatehouse::test::TempDir dir;
    auto spec = *builtin_scene("single_normal");
    spec.camera.duration_s = 0.5;
    spec.name = "short";
    {
        std::ofstream file(dir / "short.json");
        file << to_json(spec).dump(2);
    }
    const auto loaded = load_scene_file(dir / "short.json");
    CHECK(loaded.name == "short");
    CHECK_THROWS_WITH(load_scene_file(dir / "missing.json"), Catch::Contains("missing.json"));

    SceneRenderer renderer(loaded);
    const auto written = write_scene(renderer, dir / "out");
    CHECK(written == 15);
    const cv::Mat first = cv::imread((dir / "out" / "frame_000000.png").string(), cv::IMREAD_UNCHANGED);
    CHECK(first.type() == CV_16UC1);
    CHECK(cv::norm(first, renderer.render(0), cv::NORM_INF) == 0);
    std::ifstream truth_file(dir / "out" / "truth.json");
    const auto truth = nlohmann::json::parse(truth_file);
    CHECK(truth["units"] == "centikelvin");
    CHECK(truth["frames"].size() == 15);
    CHECK(truth["people"][0]["canthus_c"] == 36.7);
    CHECK(truth["blackbody"]["celsius"] == 35.0);

    // As a source: synthetic:FILE plays the same frames.
    auto source = SyntheticSource::open((dir / "short.json").string());
    auto frame = source->next();
    REQUIRE(frame);
    CHECK(cv::norm(frame->raw, first, cv::NORM_INF) == 0);
    CHECK(source->describe() == "synthetic:short");
    CHECK(source->fps() == 30);
}

TEST_CASE("SyntheticSource plays a scene to its end with timestamps from the index", "[vision][synthetic]") {
    static_assert(!std::is_copy_constructible_v<SyntheticSource>);
    auto spec = *builtin_scene("empty_drift");
    spec.camera.duration_s = 1.0;
    SyntheticSource source(spec);
    std::int64_t count = 0, last_time = -1;
    while (auto frame = source.next()) {
        CHECK(frame->index == count);
        CHECK(frame->time_ms > last_time);
        CHECK_FALSE(frame->since_ffc_ms);
        last_time = frame->time_ms;
        ++count;
    }
    CHECK(count == 30);
    CHECK(last_time == 967);
    CHECK_FALSE(source.next());
    CHECK_THROWS_AS(SyntheticSource::open("no_such_scenario"), SourceUnavailable);
}
