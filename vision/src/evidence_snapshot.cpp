#include "gatehouse/vision/evidence_snapshot.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace gatehouse::vision {

namespace {

// Creates `file`, or the first free "<stem>-N<ext>" beside it, exclusively (O_EXCL: an existing picture is never
// replaced, even by a name taken between a check and the write) and writes `bytes` to it.
std::optional<std::filesystem::path> write_new_file(const std::filesystem::path& file, const std::vector<uchar>& bytes) {
    constexpr int kMaxAttempts = 1000;
    for (int n = 1; n <= kMaxAttempts; ++n) {
        std::filesystem::path candidate = file;
        if (n > 1) candidate.replace_filename(file.stem().string() + "-" + std::to_string(n) + file.extension().string());
        const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (errno == EEXIST) continue;
            return std::nullopt;
        }
        std::size_t written = 0;
        while (written < bytes.size()) {
            const ssize_t r = ::write(fd, bytes.data() + written, bytes.size() - written);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            written += static_cast<std::size_t>(r);
        }
        const bool closed = ::close(fd) == 0;
        if (written == bytes.size() && closed) return candidate;
        std::error_code ignored;
        std::filesystem::remove(candidate, ignored);  // a truncated picture is no evidence
        return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::filesystem::path> write_evidence_snapshot(const std::filesystem::path& file, const cv::Mat& raw, const Radiometry& radiometry,
                             const Orientation& orientation, double offset_celsius, const cv::Rect& head_source,
                             Verdict verdict, const std::string& caption) {
    if (raw.empty()) return std::nullopt;
    cv::Mat celsius = radiometry.to_celsius(orientation.apply(raw));
    constexpr double low = 20.0, high = 40.0;
    cv::Mat gray;
    celsius.convertTo(gray, CV_8U, 255.0 / (high - low), 255.0 * (offset_celsius - low) / (high - low));
    cv::Mat colour;
    cv::applyColorMap(gray, colour, cv::COLORMAP_INFERNO);
    // Small sensors (160x120) are unreadable at 1:1; enlarge to at least 480 px wide.
    const int scale = std::max(1, (480 + colour.cols - 1) / colour.cols);
    if (scale > 1) cv::resize(colour, colour, cv::Size(), scale, scale, cv::INTER_NEAREST);
    const cv::Rect box = orientation.to_oriented(head_source, raw.size());
    const cv::Scalar box_colour = verdict == Verdict::elevated    ? cv::Scalar(0, 0, 255)
                                  : verdict == Verdict::uncertain ? cv::Scalar(0, 220, 255)
                                                                  : cv::Scalar(0, 200, 0);
    cv::rectangle(colour, cv::Rect(box.x * scale, box.y * scale, box.width * scale, box.height * scale), box_colour, 2);
    const double font = 0.5 + 0.1 * (colour.cols / 480);
    cv::rectangle(colour, cv::Rect(0, 0, colour.cols, static_cast<int>(28 * font / 0.5)), cv::Scalar(0, 0, 0),
                  cv::FILLED);
    cv::putText(colour, caption, cv::Point(6, static_cast<int>(20 * font / 0.5)), cv::FONT_HERSHEY_SIMPLEX, font,
                cv::Scalar(255, 255, 255), 1, cv::LINE_AA);
    std::error_code ec;
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
    std::vector<uchar> jpeg;
    try {
        if (!cv::imencode(".jpg", colour, jpeg, {cv::IMWRITE_JPEG_QUALITY, 90})) return std::nullopt;
    } catch (const cv::Exception&) {
        return std::nullopt;
    }
    return write_new_file(file, jpeg);
}

}  // namespace gatehouse::vision
