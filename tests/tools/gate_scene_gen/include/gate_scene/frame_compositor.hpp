#pragma once
// Keeps the supersampled canvas and turns it into the optical image of each frame: only the areas drawn in this
// frame or the previous one are restored and area-downsampled again; the whole frame is then blurred by the
// optics' point spread.
#include <vector>

#include <opencv2/core.hpp>

namespace gate_scene {

class FrameCompositor {
public:
    /// `room_ss`: the static background at the supersampled resolution (°C, CV_32F).
    FrameCompositor(cv::Mat room_ss, int supersample, double blur_sigma_px);

    /// The supersampled canvas (°C) and its owner marks, valid between begin_frame() and finish_frame().
    cv::Mat& canvas() { return canvas_; }
    cv::Mat& owner() { return owner_; }

    /// Restores what the previous frame drew to the background.
    void begin_frame();
    /// Records a supersampled rectangle drawn in this frame.
    void mark(const cv::Rect& rect);
    /// Downsamples the drawn areas and blurs: the optical image at frame resolution (°C, CV_32F).
    const cv::Mat& finish_frame();

private:
    cv::Rect aligned(const cv::Rect& r) const;

    int ss_;
    double sigma_;
    cv::Mat room_ss_, room_;  // background, supersampled and at frame resolution
    cv::Mat canvas_, owner_, frame_, optical_;
    std::vector<cv::Rect> drawn_;  // supersampled, aligned to whole frame pixels
};

}  // namespace gate_scene
