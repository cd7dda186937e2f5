#include "gatehouse/vision/camera_health_monitor.hpp"

#include <cstdlib>

namespace gatehouse::vision {

void CameraHealthMonitor::on_frame(const Frame& frame, bool skipped_for_ffc) {
    last_arrival_ = std::chrono::steady_clock::now();
    if (!last_index_) report_due_ = true;
    if (last_index_ && frame.index > *last_index_ + 1) {
        health_.dropped_frames += frame.index - *last_index_ - 1;
        if (!last_drop_report_ms_ || frame.time_ms - *last_drop_report_ms_ >= 1000) {
            report_due_ = true;
            last_drop_report_ms_ = frame.time_ms;
        }
    }
    if (last_time_ms_ && last_index_ && frame.time_ms > *last_time_ms_) {
        const double frames = static_cast<double>(std::max<std::int64_t>(1, frame.index - *last_index_));
        const double interval = static_cast<double>(frame.time_ms - *last_time_ms_) / frames;
        // The first frame's report could not carry a rate yet (it said 0 fps until the next report, seconds
        // later on a quiet camera), so the first rate is reported as soon as it is known.
        if (interval_ms_ == 0) report_due_ = true;
        // An exponential average over ~20 frames: steady, yet follows a camera that changes its rate.
        interval_ms_ = interval_ms_ == 0 ? interval : 0.95 * interval_ms_ + 0.05 * interval;
        health_.fps = 1000.0 / interval_ms_;
    }
    last_index_ = frame.index;
    last_time_ms_ = frame.time_ms;
    health_.time_ms = frame.time_ms;
    ++health_.frames;
    if (skipped_for_ffc) ++health_.skipped_ffc;
}

void CameraHealthMonitor::on_reference(const ReferenceStatus& reference) {
    if (reference.state != health_.reference) report_due_ = true;
    health_.reference = reference.state;
    health_.reference_reading_celsius = reference.reading_celsius;
    health_.reference_offset_celsius = reference.offset_celsius;
    health_.reference_stability_celsius = reference.stability_celsius;
    // A core that moved (the mount shifted, the plate was found elsewhere) is worth a report; a pixel more or
    // less at its edge from one second to the next is not.
    if (reference.core_area) {
        const auto moved = [](const cv::Rect& a, const cv::Rect& b) {
            return std::abs((a.x + a.width / 2) - (b.x + b.width / 2)) > 2 ||
                   std::abs((a.y + a.height / 2) - (b.y + b.height / 2)) > 2;
        };
        if (!reported_core_ || moved(*reported_core_, *reference.core_area)) {
            report_due_ = true;
            reported_core_ = reference.core_area;
        }
    }
    health_.reference_core = reference.core_area;
}

bool CameraHealthMonitor::take_report_due() { return std::exchange(report_due_, false); }

CameraHealth CameraHealthMonitor::snapshot(std::chrono::steady_clock::time_point now) const {
    CameraHealth health = health_;
    if (last_index_)
        health.since_last_frame_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(now - last_arrival_).count();
    return health;
}

}  // namespace gatehouse::vision
