#pragma once
// Live radiometric frames from a UVC / V4L2 thermal camera in Y16 mode.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <opencv2/core.hpp>

#include "gatehouse/vision/frame_source.hpp"

namespace cv {
class VideoCapture;
}

namespace gatehouse::vision {

/// A V4L2 capture device read through OpenCV's V4L2 backend with RGB conversion off and the Y16 pixel format
/// requested, so that frames arrive as raw 16-bit radiometric counts (PureThermal/Lepton, InfiRay/HIKMICRO
/// modules in Y16 mode). Frames are CV_16UC1; some UVC cameras deliver Y16 as 2-channel 8-bit or as a flat
/// byte buffer, which is reinterpreted. time_ms comes from the driver's buffer timestamp (steady clock when
/// the driver gives none), relative to the first frame; gaps longer than 1.5 frame periods advance `index`
/// by the frames presumed dropped. since_ffc_ms is not available through V4L2.
/// If the device stops delivering, next() throws FrameError and releases the device; the following next()
/// reopens it and throws SourceUnavailable while it is still missing, so the caller can back off and retry.
/// Not thread-safe; non-copyable.
class V4l2Source final : public FrameSource {
public:
    /// What to ask the device for; unset values keep the device's defaults.
    struct Settings {
        std::string device;              ///< e.g. "/dev/video0".
        std::optional<int> width;        ///< Requested frame width in pixels.
        std::optional<int> height;       ///< Requested frame height in pixels.
        std::optional<double> fps;       ///< Requested frame rate; also the nominal rate if the device reports none.
    };

    /// Opens `device` with the device's default size and rate. Throws SourceUnavailable with a message saying
    /// why (no such device, not a character device, not a V4L2 capture device / busy / no permission).
    explicit V4l2Source(const std::string& device);
    /// Opens the device with explicit settings; same errors.
    explicit V4l2Source(Settings settings);
    ~V4l2Source() override;
    V4l2Source(const V4l2Source&) = delete;
    V4l2Source& operator=(const V4l2Source&) = delete;

    std::optional<Frame> next() override;
    /// The rate the device reports, else the requested one, else 9 (the usual export-limited Lepton rate).
    double fps() const override;
    /// "v4l2:" followed by the device path.
    std::string describe() const override;

    /// Turns what OpenCV returned into a CV_16UC1 image of `expected` size (empty = any size): CV_16UC1 as is,
    /// CV_8UC2 and a flat CV_8UC1 buffer of exactly width*height*2 bytes reinterpreted as little-endian 16-bit.
    /// Throws FrameError (prefixed with `where`) for anything else. Public so it can be tested without a camera.
    static cv::Mat raw_from_capture(const cv::Mat& captured, cv::Size expected, const std::string& where);

private:
    void open();

    Settings settings_;
    std::string description_;
    std::unique_ptr<cv::VideoCapture> capture_;
    double fps_ = 0.0;
    cv::Size frame_size_;
    std::int64_t next_index_ = 0;
    std::optional<double> first_timestamp_ms_;
    std::optional<std::chrono::steady_clock::time_point> first_steady_;
    std::int64_t last_time_ms_ = -1;
};

}  // namespace gatehouse::vision
