#include <catch2/catch.hpp>

#include "gatehouse/vision/camera_health_monitor.hpp"
#include "gatehouse/vision/face_measurement.hpp"
#include "gatehouse/vision/head_detector.hpp"
#include "gatehouse/vision/reduced_frame.hpp"
#include "gatehouse/vision/screening_config.hpp"
#include "gatehouse/vision/synthetic_scene.hpp"
#include "gatehouse/vision/thermal_reference.hpp"

using namespace gatehouse::vision;

TEST_CASE("blackbody option forms parse, malformed ones give a message", "[vision][reference]") {
    std::string error;
    auto fixed = ReferenceConfig::parse("10,20,8,6@35.5", error);
    REQUIRE(fixed);
    CHECK(fixed->mode == ReferenceConfig::Mode::fixed);
    CHECK(fixed->shape == ReferenceConfig::Shape::rectangle);
    CHECK(fixed->area == cv::Rect(10, 20, 8, 6));
    CHECK(fixed->celsius == 35.5);
    auto circle = ReferenceConfig::parse("circle:1,2,9,9@37", error);
    REQUIRE(circle);
    CHECK(circle->shape == ReferenceConfig::Shape::circle);
    auto automatic = ReferenceConfig::parse("auto@37", error);
    REQUIRE(automatic);
    CHECK(automatic->mode == ReferenceConfig::Mode::automatic);
    CHECK(automatic->celsius == 37);
    for (const char* bad : {"auto", "1,2,3@35", "1,2,3,4@hot", "a,b,c,d@35", "1,2,0,4@35", "1,2,3,4@90", "-1,2,3,4@35"}) {
        INFO(bad);
        error.clear();
        CHECK_FALSE(ReferenceConfig::parse(bad, error));
        CHECK_FALSE(error.empty());
    }
}

TEST_CASE("reduced frames map boxes back to the source exactly for every orientation", "[vision][reduced]") {
    cv::Mat raw(512, 640, CV_16UC1, cv::Scalar(29500));
    const cv::Rect hot_source(100, 40, 80, 120);
    raw(hot_source).setTo(31000);
    for (int rotation : {0, 90, 180, 270}) {
        for (bool mirror : {false, true}) {
            ReducedFrame reduced;
            reduced.build(raw, Radiometry::centikelvin(), Orientation(rotation, mirror), 160);
            CHECK(reduced.factor() == 4);
            const cv::Rect small = reduced.source_to_reduced(hot_source);
            // The hot block is where the mapping says, in the reduced oriented image ...
            CHECK(cv::mean(reduced.celsius()(small))[0] == Approx(31000 / 100.0 - 273.15).margin(0.01));
            // ... and maps back onto itself.
            CHECK(reduced.to_source(small) == hot_source);
        }
    }
}

TEST_CASE("the reference is found automatically, followed through drift, and missed when covered", "[vision][reference]") {
    auto spec = *builtin_scene("reference_fault");  // covered at 1 s
    spec.camera.drift_celsius = 0.5;
    spec.camera.drift_period_s = 4;
    SceneRenderer scene(spec);
    ReferenceConfig config;
    config.mode = ReferenceConfig::Mode::automatic;
    config.celsius = 35;
    ThermalReference reference(config);
    ReducedFrame reduced;
    std::optional<std::int64_t> ok_at, fault_at;
    for (std::int64_t i = 0; i < 45; ++i) {
        const cv::Mat raw = scene.render(i);
        reduced.build(raw, Radiometry::centikelvin(), Orientation(), 160);
        const auto time_ms = i * 1000 / 30;
        const auto& status = reference.update(raw, Radiometry::centikelvin(), reduced,
                                              background_level(reduced.celsius()), time_ms);
        if (status.state == ReferenceState::ok) {
            if (!ok_at) ok_at = time_ms;
            // Offset = true − reading: it cancels the drift the camera adds.
            REQUIRE(status.offset_celsius);
            CHECK(*status.offset_celsius == Approx(-scene.drift_at(time_ms / 1000.0)).margin(0.15));
            REQUIRE(status.source_area);
            CHECK((*status.source_area & *scene.blackbody_rect()).area() > 0);
        }
        if (status.blocks_screening() && ok_at && !fault_at) fault_at = time_ms;
    }
    REQUIRE(ok_at);
    CHECK(*ok_at >= 600);  // it must stay put for lock_ms before it is trusted
    CHECK(*ok_at <= 800);
    REQUIRE(fault_at);
    CHECK(*fault_at >= 1000);
    CHECK(*fault_at <= 1100);
}

TEST_CASE("head detection finds the person and rejects cups, heaters, monitors and floors", "[vision][detector]") {
    for (const char* name : {"hot_cup", "heater", "warm_monitor", "sunlit_floor"}) {
        INFO(name);
        SceneRenderer scene(*builtin_scene(name));
        ReducedFrame reduced;
        const cv::Mat raw = scene.render(90);  // the person stands at the mark
        reduced.build(raw, Radiometry::centikelvin(), Orientation(), 160);
        HeadDetector detector{HeadRules{}};
        const auto bb = reduced.source_to_reduced(*scene.blackbody_rect());
        const auto& heads = detector.detect(reduced.celsius(), background_level(reduced.celsius()), 0, bb);
        const auto truth = scene.frame_truth(90);
        REQUIRE(truth.size() == 1);
        int on_person = 0;
        for (const auto& h : heads) {
            const cv::Rect source = reduced.to_source(h.box);
            if ((source & truth[0].head).area() > 0.3 * source.area()) ++on_person;
            else if (h.box.width >= 0.13 * 160) FAIL("a head-sized candidate off the person at " << source);
        }
        CHECK(on_person == 1);
    }
}

TEST_CASE("face measurement reads the canthus, and sees glasses", "[vision][measurement]") {
    for (const char* name : {"single_febrile", "glasses"}) {
        INFO(name);
        auto spec = *builtin_scene(name);
        SceneRenderer scene(spec);
        const cv::Mat raw = scene.render(90);
        const cv::Rect head = scene.frame_truth(90)[0].head;
        FaceMeasurement face;
        const auto reading = face.measure(raw, Radiometry::centikelvin(), Orientation(), head, 0.0, 1.5);
        REQUIRE(reading);
        if (spec.people[0].glasses) {
            CHECK(reading->glasses);
            CHECK(reading->canthus_celsius < spec.people[0].canthus_celsius - 1.0);
        } else {
            CHECK_FALSE(reading->glasses);
            CHECK(reading->canthus_celsius == Approx(spec.people[0].canthus_celsius).margin(0.3));
            CHECK(reading->canthus_celsius - reading->face_celsius > 0.5);
            CHECK(head.contains(reading->hottest));
        }
    }
}

TEST_CASE("camera health: reported on the first frame, again once the frame rate is known, then on changes",
          "[vision][health]") {
    using gatehouse::vision::CameraHealthMonitor;
    using gatehouse::vision::Frame;
    CameraHealthMonitor health;
    const auto frame = [](std::int64_t index) {
        Frame f;
        f.index = index;
        f.time_ms = index * 40;  // 25 fps
        return f;
    };
    health.on_frame(frame(0), false);
    CHECK(health.take_report_due());
    CHECK(health.snapshot(std::chrono::steady_clock::now()).fps == 0);  // one frame: no rate yet
    health.on_frame(frame(1), false);
    CHECK(health.take_report_due());  // the rate is known: report it rather than leave 0 fps standing
    CHECK(health.snapshot(std::chrono::steady_clock::now()).fps == Approx(25));
    for (int i = 2; i < 50; ++i) health.on_frame(frame(i), false);
    CHECK_FALSE(health.take_report_due());  // a steady camera is not reported frame by frame
    health.on_frame(frame(55), false);      // frames 50-54 dropped
    CHECK(health.take_report_due());
    CHECK(health.snapshot(std::chrono::steady_clock::now()).dropped_frames == 5);
}
