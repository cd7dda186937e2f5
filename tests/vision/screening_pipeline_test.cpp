#include <filesystem>
#include <type_traits>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "gatehouse/vision/screening_pipeline.hpp"
#include "gatehouse/vision/synthetic_source.hpp"
#include "scenario_evaluation.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::vision;

namespace {

std::vector<Screening> run_all(ScreeningPipeline& pipeline, SyntheticSource& source) {
    std::vector<Screening> out;
    while (auto frame = source.next()) {
        const auto& result = pipeline.process(*frame);
        out.insert(out.end(), result.screenings.begin(), result.screenings.end());
    }
    for (auto& s : pipeline.finish()) out.push_back(s);
    return out;
}

}  // namespace

TEST_CASE("the pipeline is one camera's: not copyable", "[vision][pipeline]") {
    static_assert(!std::is_copy_constructible_v<ScreeningPipeline>);
    static_assert(!std::is_copy_assignable_v<ScreeningPipeline>);
}

TEST_CASE("invalid configuration is refused when the pipeline is built", "[vision][pipeline]") {
    ScreeningConfig config;
    config.threshold_celsius = 42;
    CHECK_THROWS_AS(ScreeningPipeline(config), std::invalid_argument);
    config = {};
    config.heads.min_width_fraction = 0.5;
    CHECK_THROWS_AS(ScreeningPipeline(config), std::invalid_argument);
}

TEST_CASE("bad frames are reported as results, not exceptions, and do not stop the stream", "[vision][pipeline]") {
    ScreeningPipeline pipeline(ScreeningConfig{});
    Frame wrong_depth;
    wrong_depth.index = 7;
    wrong_depth.raw = cv::Mat(120, 160, CV_8UC1, cv::Scalar(10));
    const auto& first = pipeline.process(wrong_depth);
    REQUIRE(first.error);
    CHECK_THAT(*first.error, Catch::Contains("frame 7"));

    Frame empty;
    empty.index = 8;
    CHECK(pipeline.process(empty).error);

    Frame good;
    good.index = 9;
    good.raw = cv::Mat(120, 160, CV_16UC1, cv::Scalar(29500));
    CHECK_FALSE(pipeline.process(good).error);

    Frame resized;
    resized.index = 10;
    resized.raw = cv::Mat(60, 80, CV_16UC1, cv::Scalar(29500));
    const auto& bad_size = pipeline.process(resized);
    REQUIRE(bad_size.error);
    CHECK_THAT(*bad_size.error, Catch::Contains("frame 10") && Catch::Contains("80x60"));
}

TEST_CASE("boxes are reported in the source frame's coordinates for a rotated, mirrored camera", "[vision][pipeline]") {
    const auto spec = *builtin_scene("sideways_mount");
    SyntheticSource source(spec);
    ScreeningPipeline pipeline(gatehouse::vision::testing::config_for(source.scene()));
    const auto screenings = run_all(pipeline, source);
    REQUIRE(screenings.size() == 1);
    const auto& s = screenings[0];
    CHECK(s.verdict == Verdict::elevated);
    // Compare with the truth box of the deciding frame, in source coordinates.
    const auto truth = source.scene().frame_truth(s.frame);
    REQUIRE(truth.size() == 1);
    INFO("reported " << s.bbox << " truth " << truth[0].head);
    CHECK(gatehouse::vision::testing::overlap(s.bbox, truth[0].head) > 0.4);
    // The camera lies on its side: in its own frame the head is wider than tall.
    CHECK(s.bbox.width > s.bbox.height);
}

TEST_CASE("evidence snapshots are written for elevated and uncertain verdicts", "[vision][pipeline]") {
    gatehouse::test::TempDir dir;
    auto spec = *builtin_scene("borderline");  // one elevated, one normal
    SyntheticSource source(spec);
    auto config = gatehouse::vision::testing::config_for(source.scene());
    config.snapshot_dir = dir.path();
    ScreeningPipeline pipeline(config);
    const auto screenings = run_all(pipeline, source);
    REQUIRE(screenings.size() == 2);
    for (const auto& s : screenings) {
        if (s.verdict == Verdict::normal) {
            CHECK_FALSE(s.snapshot);
            continue;
        }
        REQUIRE(s.snapshot);
        const cv::Mat jpeg = cv::imread(*s.snapshot);
        REQUIRE_FALSE(jpeg.empty());
        CHECK(jpeg.cols >= 480);
        CHECK(jpeg.channels() == 3);
        CHECK(to_json(s)["snapshot"] == *s.snapshot);
    }
    // --snapshot-all: the normal one too.
    SyntheticSource again(spec);
    config.snapshot_all = true;
    ScreeningPipeline all(config);
    for (const auto& s : run_all(all, again)) CHECK(s.snapshot);
}

TEST_CASE("frames right after a flat-field correction are not analysed", "[vision][pipeline]") {
    SyntheticSource source(*builtin_scene("single_febrile"));
    ScreeningPipeline pipeline(gatehouse::vision::testing::config_for(source.scene()));
    std::vector<Screening> screenings;
    std::int64_t skipped = 0;
    while (auto frame = source.next()) {
        frame->since_ffc_ms = 100;  // the camera is forever just after an FFC
        const auto& result = pipeline.process(*frame);
        screenings.insert(screenings.end(), result.screenings.begin(), result.screenings.end());
    }
    skipped = pipeline.health().skipped_ffc;
    CHECK(skipped == 210);
    REQUIRE(screenings.size() == 1);
    CHECK(screenings[0].verdict == Verdict::uncertain);
    CHECK(screenings[0].reason == UncertainReason::ffc);
}

TEST_CASE("camera health: fps, dropped frames, reference state and its changes", "[vision][pipeline]") {
    SyntheticSource source(*builtin_scene("reference_fault"));
    ScreeningPipeline pipeline(gatehouse::vision::testing::config_for(source.scene()));
    std::vector<CameraHealth> reports;
    while (auto frame = source.next()) {
        if (frame->index % 50 == 10) continue;  // drop a few frames
        const auto& result = pipeline.process(*frame);
        if (result.health) reports.push_back(*result.health);
    }
    REQUIRE(reports.size() >= 2);
    CHECK(reports.front().reference == ReferenceState::ok);
    CHECK(reports.front().reference_reading_celsius.value_or(0) == Approx(35.0).margin(0.3));
    // The blackbody is covered at 1 s: a fault report follows.
    bool fault = false;
    for (const auto& h : reports)
        if (h.reference_fault() && h.time_ms >= 1000 && h.time_ms < 1200) fault = true;
    CHECK(fault);
    const auto health = pipeline.health();
    CHECK(health.fps == Approx(30).margin(1));
    CHECK(health.dropped_frames == 4);  // indices 10, 60, 110, 160
    CHECK(health.frames == 206);
    CHECK(health.reference_fault());
    const auto json = to_json(health);
    CHECK(json["type"] == "camera_health");
    CHECK(json["reference"] == "missing");
    CHECK(json["reference_fault"] == true);
    CHECK(json["dropped_frames"] == 4);
}

TEST_CASE("screening JSON carries the contract's fields", "[vision][pipeline]") {
    Screening s;
    s.frame = 42;
    s.time_ms = 1400;
    s.track = 3;
    s.bbox = cv::Rect(10, 20, 30, 40);
    s.celsius = 38.123;
    s.verdict = Verdict::elevated;
    s.frames_used = 7;
    s.threshold_celsius = 37.3;
    auto json = to_json(s);
    CHECK(json["type"] == "screening");
    CHECK(json["frame"] == 42);
    CHECK(json["time_ms"] == 1400);
    CHECK(json["track"] == 3);
    CHECK(json["bbox"] == nlohmann::json::array({10, 20, 30, 40}));
    CHECK(json["celsius"] == Approx(38.12));
    CHECK(json["verdict"] == "elevated");
    CHECK(json["reason"].is_null());
    CHECK(json["frames_used"] == 7);
    CHECK(json["snapshot"].is_null());
    s.verdict = Verdict::uncertain;
    s.reason = UncertainReason::too_far;
    s.celsius.reset();
    json = to_json(s);
    CHECK(json["celsius"].is_null());
    CHECK(json["reason"] == "too_far");
}

TEST_CASE("the adaptive baseline alarms on a reading well above recent normal ones", "[vision][pipeline]") {
    AdaptiveBaselineConfig config;
    config.enabled = true;
    config.window = 10;
    config.min_readings = 5;
    config.delta_celsius = 1.0;
    AdaptiveBaseline baseline(config);
    CHECK_FALSE(baseline.alarm_level());
    for (double v : {35.8, 35.9, 36.0, 36.1, 36.2, 30.0, 39.0}) baseline.add_normal(v);
    // Highest and lowest dropped: mean of 35.8..36.2 (and the trimmed extremes) + 1.0.
    REQUIRE(baseline.alarm_level());
    CHECK(*baseline.alarm_level() == Approx((35.8 + 35.9 + 36.0 + 36.1 + 36.2) / 5 + 1.0));
    AdaptiveBaseline disabled(AdaptiveBaselineConfig{});
    for (int i = 0; i < 10; ++i) disabled.add_normal(36);
    CHECK_FALSE(disabled.alarm_level());
}

TEST_CASE("overlapping faces never get a reassuring verdict", "[vision][pipeline]") {
    // A normal person in front, a febrile one half hidden behind them (built-in scenario "overlapping").
    const auto result = gatehouse::vision::testing::run_scenario(*builtin_scene("overlapping"));
    REQUIRE(result.people.size() == 2);
    for (const auto& p : result.people) {
        INFO("person " << p.truth.person);
        REQUIRE(p.screenings.size() == 1);
        CHECK(p.screenings[0].verdict == Verdict::uncertain);
        CHECK(p.screenings[0].reason == UncertainReason::multiple_people);
        CHECK(p.delay_s.value_or(9) <= 1.0);
    }
    // The hidden one's face is narrower than the measuring range on its own; it counts as at the mark
    // because the face it touches is.
    const auto& hidden = result.people[1].screenings[0];
    CHECK(hidden.bbox.width < result.people[0].screenings[0].bbox.width);
}

TEST_CASE("with the adaptive baseline, a reading 1 °C above recent normal ones is elevated", "[vision][pipeline]") {
    // A cold morning: everyone reads ~35.8; then someone at 36.9 — under 37.3, but well above the others.
    SceneSpec spec = *builtin_scene("single_normal");
    spec.name = "cold_morning";
    spec.people.clear();
    for (int i = 0; i < 6; ++i) {
        ScenePerson p;
        p.canthus_celsius = i < 5 ? 35.7 + 0.05 * i : 36.9;
        const double t0 = 0.3 + 4.0 * i;
        p.path = {{t0, 0.6, 4.0}, {t0 + 1.5, 0.5, 1.0}, {t0 + 3.0, 0.5, 1.0}, {t0 + 3.8, 1.4, 1.0}};
        spec.people.push_back(p);
    }
    spec.camera.duration_s = 25;
    SyntheticSource source(spec);
    auto config = gatehouse::vision::testing::config_for(source.scene());
    config.baseline.enabled = true;
    ScreeningPipeline pipeline(config);
    const auto screenings = run_all(pipeline, source);
    REQUIRE(screenings.size() == 6);
    for (int i = 0; i < 5; ++i) {
        CHECK(screenings[static_cast<std::size_t>(i)].verdict == Verdict::normal);
        CHECK(screenings[static_cast<std::size_t>(i)].threshold_celsius == Approx(37.3));
    }
    CHECK(screenings[5].verdict == Verdict::elevated);
    CHECK(screenings[5].threshold_celsius < 37.0);
    CHECK(screenings[5].celsius.value_or(0) < 37.3);
    // Without the baseline the same person is normal.
    SyntheticSource again(spec);
    config.baseline.enabled = false;
    ScreeningPipeline absolute(config);
    const auto plain = run_all(absolute, again);
    REQUIRE(plain.size() == 6);
    CHECK(plain[5].verdict == Verdict::normal);
}
