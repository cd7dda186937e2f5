#pragma once
// The blackbody / thermal reference: where it is, what the camera reads on it, and the correction it implies.
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "gatehouse/vision/camera_health.hpp"
#include "gatehouse/vision/radiometry.hpp"
#include "gatehouse/vision/reduced_frame.hpp"
#include "gatehouse/vision/screening_config.hpp"

namespace gatehouse::vision {

/// The reference's state after one frame.
struct ReferenceStatus {
    ReferenceState state = ReferenceState::not_configured;
    std::optional<double> offset_celsius;     ///< add to camera readings; set only while state is ok
    std::optional<double> reading_celsius;    ///< the camera's (uncorrected) reading on the reference
    std::optional<double> stability_celsius;  ///< std dev of the accepted readings over the last seconds
    std::optional<cv::Rect> source_area;      ///< where it is (source coordinates), to keep it out of detection
    std::optional<cv::Rect> core_area;        ///< the uniform core whose pixels are read (source coordinates)

    /// True when screening must not trust temperatures (a reference was asked for and is not usable).
    bool blocks_screening() const {
        return state != ReferenceState::ok && state != ReferenceState::not_configured;
    }
};

/// Follows the reference frame by frame: inside a configured rectangle / circle (which may include the plate's
/// soft rim, be a few pixels off, or larger than the plate) it reads only the plate's uniform hot core; or finds a small, uniform,
/// warm disc near the frame edge that stays put (automatic mode) and locks onto it. A reading that is not
/// uniform, jumps against the recent median, or is no warmer than the room makes the state unstable or
/// missing; slow drift (the camera's, which the reference shares) is followed. Not thread-safe.
class ThermalReference {
public:
    explicit ThermalReference(ReferenceConfig config);

    /// Updates from one frame: `raw` is the source frame, `reduced` its detection view, `background_celsius`
    /// the room's level (uncorrected) in that view.
    const ReferenceStatus& update(const cv::Mat& raw, const Radiometry& radiometry, const ReducedFrame& reduced,
                                  double background_celsius, std::int64_t time_ms);
    const ReferenceStatus& status() const { return status_; }

private:
    struct Candidate {
        cv::Rect reduced_box;
        std::int64_t since_ms = 0;
        int frames = 0;
    };
    /// Disc-like candidates in the reduced image, best first.
    std::vector<cv::Rect> find_discs(const ReducedFrame& reduced, double background_celsius) const;
    /// Finds the plate's uniform core inside `inside` (source coordinates): sets core_area_ and core_mask_.
    bool find_core(const cv::Mat& raw, const Radiometry& radiometry, const cv::Rect& inside);
    void read(const cv::Mat& raw, const Radiometry& radiometry, const cv::Rect& area, double background_celsius,
              std::int64_t time_ms);

    ReferenceConfig config_;
    ReferenceStatus status_;
    std::optional<Candidate> candidate_;
    std::optional<cv::Rect> locked_extent_; ///< source coordinates of what was given or found (plate and rim)
    std::optional<cv::Rect> core_area_;     ///< bounding box of the plate's core (source coordinates)
    cv::Mat core_mask_;                     ///< the core's pixels inside core_area_
    std::int64_t core_found_ms_ = 0;
    std::deque<std::pair<std::int64_t, double>> accepted_;  ///< (time, reading) of recent good readings
    std::optional<double> first_reading_;
    std::optional<std::int64_t> fault_since_ms_;
    cv::Mat celsius_, smoothed_, plateau_mask_;  ///< scratch for find_core
};

}  // namespace gatehouse::vision
