#include "gatehouse/vision/evidence_snapshot.hpp"

#include <algorithm>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace gatehouse::vision {

bool write_evidence_snapshot(const std::filesystem::path& file, const cv::Mat& raw, const Radiometry& radiometry,
                             const Orientation& orientation, double offset_celsius, const cv::Rect& head_source,
                             Verdict verdict, const std::string& caption) {
    if (raw.empty()) return false;
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
    try {
        return cv::imwrite(file.string(), colour, {cv::IMWRITE_JPEG_QUALITY, 90});
    } catch (const cv::Exception&) {
        return false;
    }
}

}  // namespace gatehouse::vision
