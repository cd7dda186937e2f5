#include "gatehouse/vision/screening.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

namespace gatehouse::vision {

std::string_view to_string(Verdict verdict) {
    switch (verdict) {
        case Verdict::normal: return "normal";
        case Verdict::elevated: return "elevated";
        case Verdict::uncertain: return "uncertain";
    }
    return "uncertain";
}

std::string_view to_string(UncertainReason reason) {
    switch (reason) {
        case UncertainReason::none: return "none";
        case UncertainReason::too_far: return "too_far";
        case UncertainReason::too_close: return "too_close";
        case UncertainReason::moving: return "moving";
        case UncertainReason::face_occluded: return "face_occluded";
        case UncertainReason::multiple_people: return "multiple_people";
        case UncertainReason::reference_fault: return "reference_fault";
        case UncertainReason::ffc: return "ffc";
    }
    return "none";
}

nlohmann::json to_json(const Screening& s) {
    const auto rounded = [](double v) { return std::round(v * 100.0) / 100.0; };
    return nlohmann::json{
        {"type", "screening"},
        {"frame", s.frame},
        {"time_ms", s.time_ms},
        {"track", s.track},
        {"bbox", {s.bbox.x, s.bbox.y, s.bbox.width, s.bbox.height}},
        {"celsius", s.celsius ? nlohmann::json(rounded(*s.celsius)) : nlohmann::json(nullptr)},
        {"verdict", std::string(to_string(s.verdict))},
        {"reason", s.verdict == Verdict::uncertain ? nlohmann::json(std::string(to_string(s.reason)))
                                                   : nlohmann::json(nullptr)},
        {"frames_used", s.frames_used},
        {"threshold", rounded(s.threshold_celsius)},
        {"snapshot", s.snapshot ? nlohmann::json(*s.snapshot) : nlohmann::json(nullptr)},
    };
}

}  // namespace gatehouse::vision
