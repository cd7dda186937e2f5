#pragma once
// How a camera is mounted: the rotation and mirroring that make its frames upright.
#include <opencv2/core.hpp>

namespace gatehouse::vision {

/// A clockwise rotation by 0, 90, 180 or 270 degrees followed, when `mirror` is set, by a left-right flip of
/// the rotated image. apply() turns a source frame into the oriented (upright) frame the pipeline analyses;
/// to_source() maps boxes found there back into the source frame's own coordinates, which is what the CLI and
/// the ledger report. Immutable value type; safe to share between threads.
class Orientation {
public:
    /// No rotation, no mirror.
    Orientation() = default;
    /// Throws std::invalid_argument unless rotation_cw is 0, 90, 180 or 270.
    Orientation(int rotation_cw, bool mirror);

    int rotation_cw() const noexcept { return rotation_cw_; }
    bool mirror() const noexcept { return mirror_; }
    bool is_identity() const noexcept { return rotation_cw_ == 0 && !mirror_; }

    /// Size of the oriented frame for a source frame of `source` size (width and height swap at 90 and 270).
    cv::Size oriented_size(cv::Size source) const noexcept;
    /// Writes the oriented image of `source` (any type) into `oriented`, reusing its buffer when it fits.
    /// The identity shares the source buffer instead of copying.
    void apply(const cv::Mat& source, cv::Mat& oriented) const;
    /// As above, returning the oriented image.
    cv::Mat apply(const cv::Mat& source) const;

    /// The source pixel shown at pixel `oriented` of the oriented frame of a `source_size` frame.
    cv::Point to_source(cv::Point oriented, cv::Size source_size) const noexcept;
    /// The oriented-frame pixel showing source pixel `source`.
    cv::Point to_oriented(cv::Point source, cv::Size source_size) const noexcept;
    /// The source-frame rectangle covering exactly the pixels of `oriented` (a rectangle in the oriented frame).
    cv::Rect to_source(const cv::Rect& oriented, cv::Size source_size) const noexcept;
    /// The oriented-frame rectangle covering exactly the pixels of `source` (a rectangle in the source frame).
    cv::Rect to_oriented(const cv::Rect& source, cv::Size source_size) const noexcept;

    friend bool operator==(const Orientation&, const Orientation&) = default;

private:
    int rotation_cw_ = 0;
    bool mirror_ = false;
};

}  // namespace gatehouse::vision
