#pragma once
// The health of one thermal camera as the pipeline sees it, for the daemon's alerts and the CLI.
#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json_fwd.hpp>
#include <opencv2/core/types.hpp>

namespace gatehouse::vision {

/// State of the blackbody / thermal reference.
enum class ReferenceState {
    not_configured,  ///< no reference: absolute readings are only as good as the camera (Lepton: ±5 °C)
    searching,       ///< automatic mode, no stable warm disc found yet
    ok,              ///< in view, uniform and stable; offsets are applied
    missing,         ///< configured or once found, now not where it was (covered, moved, switched off)
    unstable,        ///< in view but its reading jumps or is not uniform
};

std::string_view to_string(ReferenceState state);

/// A snapshot of one camera's health. The pipeline emits one whenever the state changes materially.
struct CameraHealth {
    std::int64_t time_ms = 0;          ///< Source time of the last frame seen.
    double fps = 0;                    ///< Measured frame rate (from frame timestamps).
    std::int64_t frames = 0;           ///< Frames processed.
    std::int64_t dropped_frames = 0;   ///< Gaps in the source's frame indices.
    std::int64_t skipped_ffc = 0;      ///< Frames skipped because of a recent flat-field correction.
    ReferenceState reference = ReferenceState::not_configured;
    std::optional<double> reference_reading_celsius;  ///< What the camera reads on the reference (uncorrected).
    std::optional<double> reference_offset_celsius;   ///< Correction applied (true − reading).
    std::optional<double> reference_stability_celsius;///< Std dev of the reading over the last seconds.
    std::optional<cv::Rect> reference_core;           ///< The plate's core that is read (source coordinates).
    std::int64_t since_last_frame_ms = 0;  ///< Wall-clock gap to the last frame (filled by the caller's clock).

    /// True when the reference needs a person's attention (missing / unstable).
    bool reference_fault() const {
        return reference == ReferenceState::missing || reference == ReferenceState::unstable;
    }
};

/// JSON object {"type":"camera_health", ...}; field names live here only.
nlohmann::json to_json(const CameraHealth& health);

}  // namespace gatehouse::vision
