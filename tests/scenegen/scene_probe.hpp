#pragma once
// Test helpers for the gate scene generator: a frame sink that measures each frame as it is made (the warmest
// pixel of each face box, the reference plate's core), so whole scenes can be checked without keeping them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "gate_scene/builtin_scenarios.hpp"
#include "gate_scene/reference_plate.hpp"
#include "gate_scene/scenario_file.hpp"
#include "gate_scene/scene_generator.hpp"
#include "gate_scene/sensor_model.hpp"

namespace gate_scene::test {

/// The warmest pixel of one face box in one frame.
struct FaceReading {
    int person = 0;
    double max_c = 0;
    /// The face is wholly visible, shows a canthus, and no face that could be warmer touches its box: the box's
    /// warmest pixel is its own canthus.
    bool clear = false;
};

struct FrameReading {
    int frame = 0;
    double offset_c = 0;
    bool frozen = false;
    double reference_visible = 1;
    double plate_core_c = 0;  ///< Mean of the plate's core pixels, °C.
    std::uint64_t hash = 0;   ///< Of the frame's pixels.
    std::vector<FaceReading> faces;
};

inline std::uint64_t pixel_hash(const cv::Mat& m) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (int y = 0; y < m.rows; ++y) {
        const auto* row = m.ptr<std::uint8_t>(y);
        for (std::size_t i = 0; i < m.cols * m.elemSize(); ++i) {
            h ^= row[i];
            h *= 0x100000001b3ULL;
        }
    }
    return h;
}

/// Warmest pixel of the top `fraction` of a box (the canthi sit at about 40 % of the face box's height; the lower
/// face may hold a hot cup).
inline double box_max_c(const cv::Mat& centikelvin, cv::Rect box, double fraction) {
    box.height = std::max(1, static_cast<int>(box.height * fraction));
    box &= cv::Rect(0, 0, centikelvin.cols, centikelvin.rows);
    double lo = 0, hi = 0;
    cv::minMaxLoc(centikelvin(box), &lo, &hi);
    return from_centikelvin(static_cast<std::uint16_t>(hi));
}

class ProbeSink : public FrameSink {
public:
    ProbeSink(cv::Rect plate_core, const Scenario& scenario) : plate_core_(plate_core) {
        for (const auto& p : scenario.people) {
            warmest_.push_back(p.canthus_c);
            coolest_.push_back(p.canthus_c - p.cold_canthus_drop_c);
        }
    }

    void frame(const cv::Mat& centikelvin, const FrameTruth& truth) override {
        if (size.area() == 0) size = centikelvin.size();
        ++count;
        type = centikelvin.type();
        FrameReading r;
        r.frame = truth.frame;
        r.offset_c = truth.offset_c;
        r.frozen = truth.frozen;
        r.reference_visible = truth.reference_visible;
        r.plate_core_c = cv::mean(centikelvin(plate_core_))[0] / 100.0 - 273.15;
        r.hash = pixel_hash(centikelvin);
        for (const auto& face : truth.faces) {
            bool clear = face.visible > 0.98 && !face.cut_edge && face.canthi_visible > 0;
            for (const auto& other : truth.faces) {
                if (other.person == face.person) continue;
                const cv::Rect grown(face.bbox.x - 2, face.bbox.y - 2, face.bbox.width + 4, face.bbox.height + 4);
                const auto o = static_cast<std::size_t>(other.person), own = static_cast<std::size_t>(face.person);
                if ((grown & other.bbox).area() > 0 && warmest_[o] > coolest_[own] - 0.1) clear = false;
            }
            r.faces.push_back({face.person, box_max_c(centikelvin, face.bbox, 0.6), clear});
        }
        frames.push_back(std::move(r));
    }

    std::vector<FrameReading> frames;
    cv::Size size;
    int count = 0;
    int type = -1;

private:
    cv::Rect plate_core_;
    std::vector<double> warmest_, coolest_;  // bounds of each person's canthus over the scene
};

inline Scenario builtin(std::string_view name, std::optional<std::uint64_t> seed = std::nullopt) {
    for (const auto& b : builtin_scenarios())
        if (b.name == name) return parse_scenario(b.json, seed, "built-in " + std::string(name));
    throw std::runtime_error("no built-in scenario " + std::string(name));
}

inline cv::Rect plate_core(const Scenario& s) {
    return ReferencePlate(s.reference, s.room.temperature_c, s.camera.supersample, s.seed).core_rect(s.camera.blur_sigma_px);
}

/// The warmest face-box pixel of a person over the frames where the box is clear, minus each frame's offset.
inline std::vector<double> clear_maxima(const std::vector<FrameReading>& frames, int person, int first, int last) {
    std::vector<double> out;
    for (const auto& f : frames) {
        if (f.frame < first || f.frame > last || f.frozen) continue;
        for (const auto& face : f.faces)
            if (face.person == person && face.clear) out.push_back(face.max_c - f.offset_c);
    }
    return out;
}

inline double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace gate_scene::test
