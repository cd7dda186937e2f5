// The generated scenes: deterministic, the announced size and length, and their truth agrees with their pixels
// (canthus, reference plate, drift, corrections, glasses, walk-throughs).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "gate_scene/scene_generator.hpp"
#include "gate_scene/truth.hpp"
#include "scene_probe.hpp"

using namespace gate_scene;
using gate_scene::test::builtin;
using gate_scene::test::clear_maxima;
using gate_scene::test::median;
using gate_scene::test::plate_core;
using gate_scene::test::ProbeSink;

namespace {

struct Run {
    SceneTruth truth;
    std::vector<test::FrameReading> frames;
    cv::Size size;
    int count = 0;
    int type = -1;
};

Run run(const Scenario& s, bool sensor_effects = true) {
    ProbeSink sink(plate_core(s), s);
    GenerateOptions options;
    options.sensor_effects = sensor_effects;
    Run r{generate_scene(s, sink, options), {}, {}, 0, -1};
    r.frames = std::move(sink.frames);
    r.size = sink.size;
    r.count = sink.count;
    r.type = sink.type;
    return r;
}

/// A built-in scene generated once per test run (several test cases look at the same scenes).
const Run& scene(const std::string& name, bool sensor_effects = true) {
    static std::map<std::pair<std::string, bool>, Run> runs;
    const auto key = std::make_pair(name, sensor_effects);
    auto it = runs.find(key);
    if (it == runs.end()) it = runs.emplace(key, run(builtin(name), sensor_effects)).first;
    return it->second;
}

/// The optics soften a feature of about a centimetre: the canthus reads below its truth by at most this much
/// (measured on noise-free renders: about 0.1 °C for 48-60 px faces, 0.17 °C for Lepton-sized ones, more when
/// cold skin around it raises the contrast).
double blur_loss_bound(const PersonTruth& p, const Scenario& s) {
    const double bound = p.face_px_at_stop >= 45 ? 0.15 : 0.25;
    return s.people[static_cast<std::size_t>(p.index)].cold ? bound + 0.15 : bound;
}

const PersonTruth& person(const Run& r, const std::string& id) {
    for (const auto& p : r.truth.people)
        if (r.truth.scenario.people[static_cast<std::size_t>(p.index)].id == id) return p;
    throw std::runtime_error("no person " + id);
}

}  // namespace

TEST_CASE("the same scenario and seed give the same frames and truth, another seed another scene", "[scenegen]") {
    const Scenario s = builtin("reference_shifted");
    const Run a = run(s), b = run(s), c = run(builtin("reference_shifted", 4242));
    REQUIRE(a.frames.size() == b.frames.size());
    for (std::size_t i = 0; i < a.frames.size(); ++i) CHECK(a.frames[i].hash == b.frames[i].hash);
    CHECK(truth_to_json(a.truth).dump() == truth_to_json(b.truth).dump());
    int differing = 0;
    for (std::size_t i = 0; i < a.frames.size(); ++i) differing += a.frames[i].hash != c.frames[i].hash;
    CHECK(differing == static_cast<int>(a.frames.size()));
    CHECK(truth_to_json(a.truth).dump() != truth_to_json(c.truth).dump());
}

TEST_CASE("a scene has the frame count, size and pixel type it announces", "[scenegen]") {
    const Scenario s = builtin("objects_only");
    const Run& r = scene("objects_only");
    CHECK(r.count == s.frame_count());
    CHECK(r.count == static_cast<int>(std::lround(s.duration_s * s.camera.fps)));
    CHECK(r.size == cv::Size(s.camera.width, s.camera.height));
    CHECK(r.type == CV_16UC1);
    const nlohmann::json j = truth_to_json(r.truth);
    CHECK(j["frame_count"] == s.frame_count());
    CHECK(j["units"] == "centikelvin");
    CHECK(j["frames"].size() == static_cast<std::size_t>(s.frame_count()));
    CHECK(j["frames"][10]["time_ms"] == std::lround(10 * 1000.0 / s.camera.fps));
    CHECK(j["people"].empty());
    for (const auto& f : r.truth.frames) CHECK(f.faces.empty());
}

TEST_CASE("noise-free, each face's warmest pixel is its canthus, within the optics' blur loss", "[scenegen]") {
    for (const char* name : {"normal_queue", "lepton_queue_160", "kiosk_motion_9fps", "febrile_mix_640_9fps", "cold_arrivals"}) {
        DYNAMIC_SECTION(name) {
            const Run& r = scene(name, false);
            int checked = 0, measurable = 0;
            for (const auto& p : r.truth.people) {
                if (!p.measurable || !p.at_mark) continue;
                ++measurable;
                const auto maxima = clear_maxima(r.frames, p.index, p.at_mark->first, p.at_mark->second);
                if (maxima.empty()) continue;
                ++checked;
                INFO(r.truth.scenario.people[static_cast<std::size_t>(p.index)].id << " canthus " << p.canthus_c);
                for (const double m : maxima) {
                    CHECK(m <= p.canthus_c + 0.011);  // 0.01 °C: centi-kelvin rounding
                    CHECK(m >= p.canthus_c - blur_loss_bound(p, r.truth.scenario));
                }
            }
            // Faces overlapped by someone who might be warmer are not checked; most are.
            CHECK(checked * 10 >= measurable * 6);
        }
    }
}

TEST_CASE("glasses hide the canthi: the warmest pixel of the face is well below the canthus", "[scenegen]") {
    const Run& r = scene("wearables", false);
    int checked = 0;
    for (const auto& p : r.truth.people) {
        const auto& spec = r.truth.scenario.people[static_cast<std::size_t>(p.index)];
        if (spec.glasses == Glasses::none) continue;
        REQUIRE(p.at_mark);
        CHECK_FALSE(p.measurable);
        CHECK(p.expected.front() == "uncertain:face_occluded");
        for (int f = p.at_mark->first; f <= p.at_mark->second; ++f)
            for (const auto& face : r.truth.frames[static_cast<std::size_t>(f)].faces)
                if (face.person == p.index) CHECK(face.canthi_visible == 0);
        for (const auto& frame : r.frames) {
            if (frame.frame < p.at_mark->first || frame.frame > p.at_mark->second) continue;
            for (const auto& face : frame.faces)
                if (face.person == p.index && face.clear) ++checked;  // a canthus in sight: must not happen
            for (const auto& face : frame.faces)
                if (face.person == p.index) CHECK(face.max_c < p.canthus_c - 0.2);
        }
    }
    CHECK(checked == 0);
}

TEST_CASE("with the sensor's noise and drift, a face's warmest pixel minus the frame's offset is near its canthus", "[scenegen]") {
    for (const char* name : {"normal_queue", "queue_1s", "pairs_384", "drift_ffc"}) {
        DYNAMIC_SECTION(name) {
            const Run& r = scene(name);
            for (const auto& p : r.truth.people) {
                if (!p.measurable || !p.at_mark) continue;
                const auto maxima = clear_maxima(r.frames, p.index, p.at_mark->first, p.at_mark->second);
                if (maxima.empty()) continue;
                INFO(r.truth.scenario.people[static_cast<std::size_t>(p.index)].id << " canthus " << p.canthus_c);
                // Noise lifts the maximum of a few canthus pixels by up to a few tenths.
                CHECK(median(maxima) >= p.canthus_c - blur_loss_bound(p, r.truth.scenario));
                CHECK(median(maxima) <= p.canthus_c + 0.35);
            }
        }
    }
}

TEST_CASE("the reference plate reads its set temperature (emissivity, vignetting) plus the shared drift", "[scenegen]") {
    for (const char* name : {"normal_queue", "drift_ffc", "reference_circle", "reference_larger", "lepton_queue_160"}) {
        DYNAMIC_SECTION(name) {
            const Run& r = scene(name);
            const ReferenceTruth& ref = r.truth.reference;
            // A plate of emissivity 0.97 read with the skin setting (0.98) is a little below its set point.
            CHECK(ref.reads_c < ref.set_c);
            CHECK(ref.reads_c > ref.set_c - 0.4);
            double sum = 0, lo = 1e9, hi = -1e9;
            int n = 0;
            for (const auto& f : r.frames) {
                if (f.frozen || f.reference_visible < 1) continue;
                const double d = f.plate_core_c - f.offset_c - ref.reads_c;
                sum += d, ++n;
                lo = std::min(lo, f.offset_c), hi = std::max(hi, f.offset_c);
                CHECK(std::abs(d) < 0.2);  // one frame: temporal noise of the core's mean and the plate's wander
            }
            REQUIRE(n > 10);
            CHECK(std::abs(sum / n) < 0.03);
            CHECK(hi - lo > 0.05);  // the offset drifts, and the plate carries it
        }
    }
}

TEST_CASE("flat-field corrections freeze the image, then step the offset", "[scenegen]") {
    const Run& r = scene("drift_ffc");
    REQUIRE(r.truth.ffc.size() == 3);
    for (const auto& e : r.truth.ffc) {
        CHECK(e.last_frame - e.first_frame + 1 == Approx(0.3 * 25).margin(1));
        for (int f = e.first_frame; f <= e.last_frame; ++f) {
            CHECK(r.frames[static_cast<std::size_t>(f)].frozen);
            CHECK(r.frames[static_cast<std::size_t>(f)].hash == r.frames[static_cast<std::size_t>(e.first_frame - 1)].hash);
        }
        // The step, once the slow drift over the same frames (extrapolated from the frames before) is taken out.
        const auto offset = [&](int f) { return r.frames[static_cast<std::size_t>(f)].offset_c; };
        const double slope = offset(e.first_frame - 1) - offset(e.first_frame - 2);
        const double step = offset(e.last_frame + 1) - offset(e.first_frame - 1) - slope * (e.last_frame - e.first_frame + 2);
        CHECK(step == Approx(e.step_c).margin(0.02));
        CHECK(std::abs(e.step_c) >= 0.1 - 1e-9);
        CHECK(std::abs(e.step_c) <= 0.3 + 1e-9);
    }
    // p3 stands at the mark during one of them: the pipeline may call it uncertain for that reason.
    const auto& p3 = person(r, "p3");
    CHECK(std::find(p3.expected.begin(), p3.expected.end(), "uncertain:ffc") != p3.expected.end());
}

TEST_CASE("people who never come to the mark, or lean in, are told apart in the truth", "[scenegen]") {
    const Run& r = scene("walk_through_far_close");
    const auto& across = person(r, "p2");
    CHECK_FALSE(across.at_mark);
    CHECK(across.expected == std::vector<std::string>{"none", "uncertain:moving"});
    const auto& past = person(r, "p4");
    CHECK_FALSE(past.at_mark);
    CHECK(past.expected == std::vector<std::string>{"none", "uncertain:moving"});
    const auto& far = person(r, "p3");
    CHECK_FALSE(far.at_mark);
    CHECK(far.stop == StopKind::too_far);
    CHECK(far.expected == std::vector<std::string>{"none", "uncertain:too_far"});
    const auto& close = person(r, "p5");
    REQUIRE(close.at_mark);
    CHECK(close.stop == StopKind::too_close);
    CHECK(close.face_px_at_stop > 0.4 * 384);
    CHECK(close.expected == std::vector<std::string>{"uncertain:too_close"});
    const auto& febrile = person(r, "p7");
    CHECK(febrile.measurable);
    CHECK(febrile.expected == std::vector<std::string>{"elevated"});
    // A walk-through is seen moving: its face is in the frames, never at rest.
    int seen = 0;
    for (const auto& f : r.truth.frames)
        for (const auto& face : f.faces) seen += face.person == across.index;
    CHECK(seen > 10);
}

TEST_CASE("at the mark, a person's face is in every frame's truth with its box", "[scenegen]") {
    for (const char* name : {"normal_queue", "pairs_384", "tall_and_children"}) {
        DYNAMIC_SECTION(name) {
            const Run& r = scene(name);
            for (const auto& p : r.truth.people) {
                if (!p.at_mark) continue;
                INFO(r.truth.scenario.people[static_cast<std::size_t>(p.index)].id);
                CHECK(p.at_mark->second - p.at_mark->first + 1 >= static_cast<int>(0.5 * r.truth.scenario.camera.fps));
                REQUIRE(p.bbox_at_mark);
                for (int f = p.at_mark->first; f <= p.at_mark->second; ++f) {
                    const FaceTruth* own = nullptr;
                    for (const auto& face : r.truth.frames[static_cast<std::size_t>(f)].faces)
                        if (face.person == p.index) own = &face;
                    REQUIRE(own);
                    CHECK(own->visible > 0.5);
                    CHECK((own->bbox & cv::Rect(0, 0, r.size.width, r.size.height)) == own->bbox);
                }
            }
        }
    }
}

TEST_CASE("pairs stand side by side, both at the mark at once, faces apart", "[scenegen]") {
    const Run& r = scene("pairs_384");
    REQUIRE(r.truth.people.size() == 8);
    for (int k = 0; k < 4; ++k) {
        const auto& left = r.truth.people[static_cast<std::size_t>(k)];
        const auto& right = r.truth.people[static_cast<std::size_t>(k + 4)];
        REQUIRE(left.at_mark);
        REQUIRE(right.at_mark);
        CHECK(std::max(left.at_mark->first, right.at_mark->first) < std::min(left.at_mark->second, right.at_mark->second));
        CHECK(left.bbox_at_mark->x + left.bbox_at_mark->width < right.bbox_at_mark->x);
        CHECK(left.expected.size() == 1);
        CHECK(right.expected.size() == 1);
    }
}
