#include "gate_scene/frame_compositor.hpp"

#include <opencv2/imgproc.hpp>

namespace gate_scene {

FrameCompositor::FrameCompositor(cv::Mat room_ss, int supersample, double blur_sigma_px)
    : ss_(supersample), sigma_(blur_sigma_px), room_ss_(std::move(room_ss)) {
    CV_Assert(room_ss_.type() == CV_32F && room_ss_.cols % ss_ == 0 && room_ss_.rows % ss_ == 0);
    cv::resize(room_ss_, room_, cv::Size(room_ss_.cols / ss_, room_ss_.rows / ss_), 0, 0, cv::INTER_AREA);
    canvas_ = room_ss_.clone();
    owner_ = cv::Mat::zeros(room_ss_.size(), CV_16U);
    frame_ = room_.clone();
}

cv::Rect FrameCompositor::aligned(const cv::Rect& r) const {
    // Whole frame pixels, so each downsampled pixel is the mean of its own ss x ss block.
    const int x0 = (r.x / ss_) * ss_, y0 = (r.y / ss_) * ss_;
    const int x1 = ((r.x + r.width + ss_ - 1) / ss_) * ss_, y1 = ((r.y + r.height + ss_ - 1) / ss_) * ss_;
    return cv::Rect(x0, y0, x1 - x0, y1 - y0) & cv::Rect(0, 0, canvas_.cols, canvas_.rows);
}

void FrameCompositor::begin_frame() {
    for (const cv::Rect& r : drawn_) {
        room_ss_(r).copyTo(canvas_(r));
        owner_(r).setTo(0);
        const cv::Rect small(r.x / ss_, r.y / ss_, r.width / ss_, r.height / ss_);
        room_(small).copyTo(frame_(small));
    }
    drawn_.clear();
}

void FrameCompositor::mark(const cv::Rect& rect) {
    const cv::Rect r = aligned(rect);
    if (r.area() > 0) drawn_.push_back(r);
}

const cv::Mat& FrameCompositor::finish_frame() {
    for (const cv::Rect& r : drawn_) {
        const cv::Rect small(r.x / ss_, r.y / ss_, r.width / ss_, r.height / ss_);
        cv::Mat target = frame_(small);
        cv::resize(canvas_(r), target, small.size(), 0, 0, cv::INTER_AREA);
    }
    if (sigma_ > 0)
        cv::GaussianBlur(frame_, optical_, cv::Size(0, 0), sigma_, sigma_, cv::BORDER_REPLICATE);
    else
        frame_.copyTo(optical_);
    return optical_;
}

}  // namespace gate_scene
