#pragma once
// The reduced, upright, Celsius view of a frame that detection runs on.
#include <opencv2/core.hpp>

#include "gatehouse/vision/orientation.hpp"
#include "gatehouse/vision/radiometry.hpp"

namespace gatehouse::vision {

/// A frame shrunk by an integer factor (area average, in raw counts), then oriented and converted to °C.
/// Detection works on this small image (about 160 px wide whatever the camera) so that its cost does not
/// grow with the sensor; measurements go back to the full-resolution source through to_source().
/// Reuses its buffers between frames. Not thread-safe.
class ReducedFrame {
public:
    /// Rebuilds from `raw` (CV_16UC1, source orientation), reducing so the width is at most about `target_width`.
    void build(const cv::Mat& raw, const Radiometry& radiometry, const Orientation& orientation, int target_width);

    /// The reduced oriented image in °C (uncorrected camera reading), CV_32FC1.
    const cv::Mat& celsius() const { return celsius_; }
    /// Reduction factor (source pixels per reduced pixel along each axis).
    int factor() const { return factor_; }
    /// The full-resolution source frame's size.
    cv::Size source_size() const { return source_size_; }
    /// The oriented full-resolution frame's size.
    cv::Size oriented_size() const { return orientation_.oriented_size(source_size_); }

    /// A rectangle of the reduced oriented image, in full-resolution oriented coordinates.
    cv::Rect to_oriented_full(const cv::Rect& reduced) const;
    /// A rectangle of the full-resolution oriented frame, in the source frame's coordinates (clipped to it).
    cv::Rect oriented_full_to_source(const cv::Rect& oriented_full) const;
    /// A rectangle of the reduced oriented image, in the source frame's coordinates (clipped to it).
    cv::Rect to_source(const cv::Rect& reduced) const;
    /// A source-frame rectangle in the reduced oriented image (covering it, clipped).
    cv::Rect source_to_reduced(const cv::Rect& source) const;

private:
    cv::Mat half_a_, half_b_;  ///< intermediate halvings
    cv::Mat shrunk_;    ///< reduced, source orientation, raw counts
    cv::Mat oriented_;  ///< reduced, oriented, raw counts
    cv::Mat celsius_;
    Orientation orientation_;
    cv::Size source_size_;
    int factor_ = 1;
};

}  // namespace gatehouse::vision
