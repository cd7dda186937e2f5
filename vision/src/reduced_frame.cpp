#include "gatehouse/vision/reduced_frame.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace gatehouse::vision {

void ReducedFrame::build(const cv::Mat& raw, const Radiometry& radiometry, const Orientation& orientation,
                         int target_width) {
    orientation_ = orientation;
    source_size_ = raw.size();
    const int longest_side = std::max(raw.cols, raw.rows);
    // An integer factor keeps the area average exact and lets OpenCV take its fast block-average path.
    factor_ = std::max(1, (longest_side + target_width - 1) / std::max(16, target_width));
    if (factor_ > 1) {
        const cv::Size reduced(raw.cols / factor_, raw.rows / factor_);
        // Crop to a multiple of the factor so every reduced pixel averages exactly factor x factor pixels.
        cv::Mat current = raw(cv::Rect(0, 0, reduced.width * factor_, reduced.height * factor_));
        // Halving steps take OpenCV's 2x2 fast path: two of them cost 40 % of one 4x area resize.
        int remaining = factor_;
        bool into_a = true;
        while (remaining % 2 == 0) {
            cv::Mat& target = into_a ? half_a_ : half_b_;
            cv::resize(current, target, cv::Size(current.cols / 2, current.rows / 2), 0, 0, cv::INTER_AREA);
            current = target;
            into_a = !into_a;
            remaining /= 2;
        }
        if (remaining > 1) {
            cv::resize(current, shrunk_, reduced, 0, 0, cv::INTER_AREA);
        } else {
            shrunk_ = current;
        }
    } else {
        shrunk_ = raw;
    }
    orientation.apply(shrunk_, oriented_);
    radiometry.to_celsius(oriented_, celsius_);
}

cv::Rect ReducedFrame::to_source(const cv::Rect& reduced) const {
    // Through the reduced source frame, so that frames whose size is not a multiple of the factor map exactly.
    const cv::Rect small = orientation_.to_source(reduced, shrunk_.size());
    const cv::Rect full(small.x * factor_, small.y * factor_, small.width * factor_, small.height * factor_);
    return full & cv::Rect(cv::Point(0, 0), source_size_);
}

cv::Rect ReducedFrame::to_oriented_full(const cv::Rect& reduced) const {
    return orientation_.to_oriented(to_source(reduced), source_size_);
}

cv::Rect ReducedFrame::oriented_full_to_source(const cv::Rect& oriented_full) const {
    return orientation_.to_source(oriented_full & cv::Rect(cv::Point(0, 0), oriented_size()), source_size_) &
           cv::Rect(cv::Point(0, 0), source_size_);
}

cv::Rect ReducedFrame::source_to_reduced(const cv::Rect& source) const {
    const cv::Rect clipped = source & cv::Rect(cv::Point(0, 0), source_size_);
    const int x0 = clipped.x / factor_;
    const int y0 = clipped.y / factor_;
    const int x1 = (clipped.x + clipped.width + factor_ - 1) / factor_;
    const int y1 = (clipped.y + clipped.height + factor_ - 1) / factor_;
    const cv::Rect small = cv::Rect(x0, y0, x1 - x0, y1 - y0) & cv::Rect(cv::Point(0, 0), shrunk_.size());
    return orientation_.to_oriented(small, shrunk_.size());
}

}  // namespace gatehouse::vision
