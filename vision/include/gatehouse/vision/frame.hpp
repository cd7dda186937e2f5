#pragma once
// One radiometric thermal frame as delivered by a FrameSource.
#include <cstdint>
#include <optional>

#include <opencv2/core.hpp>

namespace gatehouse::vision {

/// A single-channel 16-bit raw radiometric frame plus its timing, exactly as the camera or file gave it
/// (before orientation and before conversion to temperature). Value type: copying shares the pixel buffer
/// (cv::Mat semantics); call clone() on `raw` before mutating a frame someone else may hold.
struct Frame {
    cv::Mat raw;                    ///< CV_16UC1, the source's own orientation and units.
    std::int64_t index = 0;         ///< 0-based position in the source (counts dropped frames too).
    std::int64_t time_ms = 0;       ///< Milliseconds since the start of the source (monotonic).
    /// Milliseconds since the source's last flat-field correction, when the source reports it.
    std::optional<std::int64_t> since_ffc_ms;
};

}  // namespace gatehouse::vision
