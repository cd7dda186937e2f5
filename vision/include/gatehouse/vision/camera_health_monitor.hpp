#pragma once
// Keeps the numbers behind CameraHealth and says when they changed enough to report.
#include <chrono>
#include <cstdint>
#include <optional>

#include "gatehouse/vision/camera_health.hpp"
#include "gatehouse/vision/frame.hpp"
#include "gatehouse/vision/thermal_reference.hpp"

namespace gatehouse::vision {

/// Frame-rate estimate (from frame timestamps), dropped frames (index gaps), FFC skips and the reference's
/// state. report_due() is true after the first frame, after the second (the first with a frame rate), when the
/// reference state changes, and when frames were dropped (at most once per second of source time). Not
/// thread-safe.
class CameraHealthMonitor {
public:
    void on_frame(const Frame& frame, bool skipped_for_ffc);
    void on_reference(const ReferenceStatus& reference);
    /// True when a new report should go out; clears the flag.
    bool take_report_due();
    /// Current health; since_last_frame_ms is measured against `now` on the steady clock.
    CameraHealth snapshot(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) const;

private:
    CameraHealth health_;
    std::optional<std::int64_t> last_index_;
    std::optional<std::int64_t> last_time_ms_;
    std::optional<std::int64_t> last_drop_report_ms_;
    double interval_ms_ = 0;
    std::chrono::steady_clock::time_point last_arrival_{};
    bool report_due_ = false;
    std::optional<cv::Rect> reported_core_;  ///< the reference core of the last report
};

}  // namespace gatehouse::vision
