// V4L2 frame source through OpenCV's V4L2 backend.
//
// NOT TESTED ON HARDWARE. No thermal camera exists on the development machines. What the tests cover: a missing
// device, a path that is not a character device, and a character device that is not a V4L2 capture device
// (/dev/null) all give SourceUnavailable with a message naming the cause; raw_from_capture() turns CV_16UC1,
// CV_8UC2 and flat byte buffers into CV_16UC1 frames and rejects everything else.
// What still has to be checked with a real camera (PureThermal 2/3 with a Lepton 3.5; an InfiRay/HIKMICRO
// module in Y16 mode):
//   - that setting CAP_PROP_FOURCC 'Y16 ' and then CAP_PROP_CONVERT_RGB 0 yields CV_16UC1 frames of the sensor
//     size with TLinear centi-kelvin values (OpenCV 4.6 leaves Y16 unconverted as 16-bit, 1 channel);
//   - which cameras deliver 16-bit data labelled YUYV (reinterpreted here as little-endian 16-bit);
//   - that CAP_PROP_POS_MSEC carries the driver's monotonic buffer timestamp, and the dropped-frame estimate
//     from timestamp gaps;
//   - behaviour on unplug (read() failing, then reopening) and the time read() blocks when frames stop
//     (OpenCV's select() timeout is 10 s);
//   - requested width/height/fps being honoured or ignored by the device.
#include "gatehouse/vision/v4l2_source.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <system_error>

#include <opencv2/videoio.hpp>

namespace gatehouse::vision {
namespace {

constexpr int fourcc_code(char a, char b, char c, char d) {
    return static_cast<int>(static_cast<unsigned>(static_cast<unsigned char>(a)) |
                            (static_cast<unsigned>(static_cast<unsigned char>(b)) << 8U) |
                            (static_cast<unsigned>(static_cast<unsigned char>(c)) << 16U) |
                            (static_cast<unsigned>(static_cast<unsigned char>(d)) << 24U));
}

constexpr int fourcc_y16 = fourcc_code('Y', '1', '6', ' ');
// Some UVC thermal modules send their 16-bit data under the YUYV label; the bytes are the same.
constexpr int fourcc_yuyv = fourcc_code('Y', 'U', 'Y', 'V');
// The Lepton's export-limited rate, used when neither the device nor the settings give one.
constexpr double fallback_fps = 9.0;

std::string fourcc_text(int code) {
    std::string text;
    for (int shift = 0; shift < 32; shift += 8) {
        const auto c = static_cast<char>((static_cast<unsigned>(code) >> static_cast<unsigned>(shift)) & 0xffU);
        text += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    return text;
}

}  // namespace

V4l2Source::V4l2Source(const std::string& device) : V4l2Source(Settings{device, {}, {}, {}}) {}

V4l2Source::V4l2Source(Settings settings)
    : settings_(std::move(settings)), description_("v4l2:" + settings_.device) {
    open();
}

V4l2Source::~V4l2Source() = default;

double V4l2Source::fps() const {
    return fps_;
}

std::string V4l2Source::describe() const {
    return description_;
}

void V4l2Source::open() {
    capture_.reset();
    std::error_code error;
    const auto status = std::filesystem::status(settings_.device, error);
    if (!std::filesystem::exists(status)) {
        throw SourceUnavailable(description_ + ": no such device (is the camera plugged in?)");
    }
    if (!std::filesystem::is_character_file(status)) {
        throw SourceUnavailable(description_ + ": not a character device, so not a V4L2 camera");
    }

    auto capture = std::make_unique<cv::VideoCapture>();
    if (!capture->open(settings_.device, cv::CAP_V4L2) || !capture->isOpened()) {
        throw SourceUnavailable(description_ +
                                ": cannot open as a V4L2 capture device (not a camera node, busy, or no permission)");
    }
    capture->set(cv::CAP_PROP_FOURCC, fourcc_y16);
    if (settings_.width) {
        capture->set(cv::CAP_PROP_FRAME_WIDTH, *settings_.width);
    }
    if (settings_.height) {
        capture->set(cv::CAP_PROP_FRAME_HEIGHT, *settings_.height);
    }
    if (settings_.fps) {
        capture->set(cv::CAP_PROP_FPS, *settings_.fps);
    }
    // Last, because format changes reinitialise the capture; with conversion on, OpenCV would squash the
    // radiometric counts into 8-bit BGR and every temperature would be lost.
    capture->set(cv::CAP_PROP_CONVERT_RGB, 0);

    const int format = static_cast<int>(capture->get(cv::CAP_PROP_FOURCC));
    if (format != fourcc_y16 && format != fourcc_yuyv) {
        throw SourceUnavailable(description_ + ": the device does not deliver Y16 radiometric frames (format '" +
                                fourcc_text(format) + "'); switch the camera to Y16 / raw 16-bit mode");
    }
    if (capture->get(cv::CAP_PROP_CONVERT_RGB) != 0.0) {
        throw SourceUnavailable(description_ + ": OpenCV refused to turn RGB conversion off");
    }
    const double device_fps = capture->get(cv::CAP_PROP_FPS);
    fps_ = (std::isfinite(device_fps) && device_fps > 0.0) ? device_fps : settings_.fps.value_or(fallback_fps);
    frame_size_ = cv::Size(static_cast<int>(capture->get(cv::CAP_PROP_FRAME_WIDTH)),
                           static_cast<int>(capture->get(cv::CAP_PROP_FRAME_HEIGHT)));
    capture_ = std::move(capture);
}

cv::Mat V4l2Source::raw_from_capture(const cv::Mat& captured, cv::Size expected, const std::string& where) {
    if (captured.empty()) {
        throw FrameError(where + ": empty frame");
    }
    const bool any_size = expected.width <= 0 || expected.height <= 0;
    auto check_size = [&](cv::Size size) {
        if (!any_size && size != expected) {
            throw FrameError(where + ": frame is " + std::to_string(size.width) + "x" + std::to_string(size.height) +
                             ", the device reported " + std::to_string(expected.width) + "x" +
                             std::to_string(expected.height));
        }
    };
    if (captured.type() == CV_16UC1) {
        check_size(captured.size());
        return captured.clone();
    }
    if (captured.type() == CV_8UC2) {
        // Two bytes per pixel in memory order are exactly one little-endian uint16 on the hosts we run on.
        check_size(captured.size());
        cv::Mat contiguous = captured.isContinuous() ? captured : captured.clone();
        return cv::Mat(contiguous.rows, contiguous.cols, CV_16UC1, contiguous.data).clone();
    }
    if (captured.type() == CV_8UC1 && !any_size && captured.isContinuous() &&
        captured.total() == static_cast<std::size_t>(expected.area()) * 2) {
        // OpenCV hands over the driver buffer as a flat byte row when it does not know the layout.
        return cv::Mat(expected, CV_16UC1, captured.data).clone();
    }
    throw FrameError(where + ": unexpected frame type " + std::to_string(captured.type()) + " (" +
                     std::to_string(captured.cols) + "x" + std::to_string(captured.rows) + ", " +
                     std::to_string(captured.channels()) + " channel(s)); expected 16-bit single-channel Y16");
}

std::optional<Frame> V4l2Source::next() {
    if (!capture_) {
        open();  // throws SourceUnavailable while the camera is still away
    }
    const std::string where = description_ + ": frame " + std::to_string(next_index_);
    cv::Mat captured;
    if (!capture_->read(captured) || captured.empty()) {
        // Release the device so that a replugged camera is picked up by the next call.
        capture_.reset();
        throw FrameError(where + ": the device delivered no frame (unplugged or stalled); reopening on the next call");
    }
    Frame frame;
    frame.raw = raw_from_capture(captured, frame_size_, where);

    const double driver_ms = capture_->get(cv::CAP_PROP_POS_MSEC);
    const auto now = std::chrono::steady_clock::now();
    std::int64_t time_ms = 0;
    if (std::isfinite(driver_ms) && driver_ms > 0.0) {
        if (!first_timestamp_ms_) {
            first_timestamp_ms_ = driver_ms;
        }
        time_ms = std::llround(driver_ms - *first_timestamp_ms_);
    } else {
        if (!first_steady_) {
            first_steady_ = now;
        }
        time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - *first_steady_).count();
    }
    // Keep time monotonic even if the driver's clock jumps back (e.g. after a reopen).
    time_ms = std::max(time_ms, last_time_ms_ + (last_time_ms_ >= 0 ? 1 : 0));

    if (last_time_ms_ >= 0 && fps_ > 0.0) {
        const double periods = static_cast<double>(time_ms - last_time_ms_) * fps_ / 1000.0;
        if (periods > 1.5) {
            next_index_ += std::llround(periods) - 1;  // frames the driver or we dropped
        }
    }
    frame.index = next_index_++;
    frame.time_ms = time_ms;
    last_time_ms_ = time_ms;
    return frame;
}

}  // namespace gatehouse::vision
