#include "gatehouse/vision/camera_health.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

namespace gatehouse::vision {

std::string_view to_string(ReferenceState state) {
    switch (state) {
        case ReferenceState::not_configured: return "not_configured";
        case ReferenceState::searching: return "searching";
        case ReferenceState::ok: return "ok";
        case ReferenceState::missing: return "missing";
        case ReferenceState::unstable: return "unstable";
    }
    return "missing";
}

nlohmann::json to_json(const CameraHealth& h) {
    const auto optional = [](const std::optional<double>& v) {
        return v ? nlohmann::json(std::round(*v * 1000.0) / 1000.0) : nlohmann::json(nullptr);
    };
    return nlohmann::json{
        {"type", "camera_health"},
        {"time_ms", h.time_ms},
        {"fps", std::round(h.fps * 100.0) / 100.0},
        {"frames", h.frames},
        {"dropped_frames", h.dropped_frames},
        {"skipped_ffc", h.skipped_ffc},
        {"reference", std::string(to_string(h.reference))},
        {"reference_fault", h.reference_fault()},
        {"reference_celsius", optional(h.reference_reading_celsius)},
        {"reference_offset", optional(h.reference_offset_celsius)},
        {"reference_stability", optional(h.reference_stability_celsius)},
        {"reference_core", h.reference_core ? nlohmann::json::array({h.reference_core->x, h.reference_core->y,
                                                                    h.reference_core->width, h.reference_core->height})
                                            : nlohmann::json(nullptr)},
        {"since_last_frame_ms", h.since_last_frame_ms},
    };
}

}  // namespace gatehouse::vision
