#include "gatehouse/vision/face_measurement.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <opencv2/imgproc.hpp>

namespace gatehouse::vision {

namespace {

constexpr double max_head_aspect = 1.25;
// The canthi lie at least this fraction of the face box's width inside the outline's sides, in their row.
constexpr double canthus_side_margin = 0.2;

/// A part of an upright head image given as fractions of its width and height.
cv::Rect part(cv::Size head, double x0, double x1, double y0, double y1) {
    const int left = static_cast<int>(std::lround(head.width * x0));
    const int right = static_cast<int>(std::lround(head.width * x1));
    const int top = static_cast<int>(std::lround(head.height * y0));
    const int bottom = static_cast<int>(std::lround(head.height * y1));
    return cv::Rect(left, top, std::max(1, right - left), std::max(1, bottom - top)) &
           cv::Rect(cv::Point(0, 0), head);
}

}  // namespace

std::optional<FaceReading> FaceMeasurement::measure(const cv::Mat& raw, const Radiometry& radiometry,
                                                    const Orientation& orientation, const cv::Rect& head_oriented,
                                                    double offset_celsius, double glasses_contrast,
                                                    std::optional<double> skin_celsius) {
    const cv::Size source_size = raw.size();
    const cv::Rect head_source =
        orientation.to_source(head_oriented & cv::Rect(cv::Point(0, 0), orientation.oriented_size(source_size)),
                              source_size) & cv::Rect(cv::Point(0, 0), source_size);
    if (head_source.width < 6 || head_source.height < 6) return std::nullopt;
    radiometry.to_celsius(raw(head_source), head_);
    orientation.apply(head_, upright_);
    // A head is at most about 1.25 times as tall as wide: a box that runs further down has taken in a neck,
    // shoulders or the head of someone standing behind (whose forehead may be warmer than this face's canthi).
    const cv::Size size(upright_.cols, std::min(upright_.rows, static_cast<int>(std::lround(max_head_aspect * upright_.cols))));

    // The inner canthi: in the upper middle of the face box (which starts at the hairline, a hat or the
    // forehead, and ends at the chin).
    const cv::Rect search = part(size, 0.15, 0.85, 0.1, 0.7);
    const cv::Mat region = upright_(search);
    const int kernel = std::clamp(static_cast<int>(std::lround(0.06 * size.width)), 2,
                                  std::min(region.cols, region.rows));
    cv::blur(region, smoothed_, cv::Size(kernel, kernel), cv::Point(-1, -1), cv::BORDER_REPLICATE);
    // Only windows that lie fully inside the search region count; replicated borders would favour edges.
    const int margin = kernel / 2;
    cv::Rect valid(margin, margin, smoothed_.cols - 2 * margin, smoothed_.rows - 2 * margin);
    if (valid.width < 1 || valid.height < 1) valid = cv::Rect(0, 0, smoothed_.cols, smoothed_.rows);
    // Inner canthi lie well inside the face, with skin on both sides in their row. A hot spot at the side of the
    // outline is the edge of another face merged with it (someone behind, half hidden, whose forehead can be
    // warmer than these canthi): it is not looked at.
    bool inside_any = false;
    if (skin_celsius) {
        inside_.create(valid.size(), CV_8U);
        const int margin_px = std::max(1, static_cast<int>(std::lround(canthus_side_margin * size.width)));
        for (int y = 0; y < valid.height; ++y) {
            const float* row = upright_.ptr<float>(search.y + valid.y + y);
            int left = -1, right = -1;
            for (int x = 0; x < upright_.cols; ++x) {
                if (row[x] <= *skin_celsius) continue;
                if (left < 0) left = x;
                right = x;
            }
            std::uint8_t* out = inside_.ptr<std::uint8_t>(y);
            for (int x = 0; x < valid.width; ++x) {
                const int column = search.x + valid.x + x;
                out[x] = left >= 0 && column - left >= margin_px && right - column >= margin_px ? 255 : 0;
                inside_any = inside_any || out[x] != 0;
            }
        }
    }
    double hottest = 0;
    cv::Point at;
    if (inside_any) cv::minMaxLoc(smoothed_(valid), nullptr, &hottest, nullptr, &at, inside_);
    else cv::minMaxLoc(smoothed_(valid), nullptr, &hottest, nullptr, &at);

    values_.clear();
    for (int y = 0; y < region.rows; ++y) {
        const float* row = region.ptr<float>(y);
        values_.insert(values_.end(), row, row + region.cols);
    }
    const auto middle = values_.begin() + static_cast<std::ptrdiff_t>(values_.size() / 2);
    std::nth_element(values_.begin(), middle, values_.end());

    // Glasses are opaque in the long-wave infrared: a cold band across the eyes with warm skin both above
    // (forehead) and below (cheeks). A hat is cold too, but has no warm skin above it.
    const cv::Rect columns = part(size, 0.25, 0.75, 0.1, 0.85);
    rows_.clear();
    for (int y = columns.y; y < columns.y + columns.height; ++y)
        rows_.push_back(cv::mean(upright_(cv::Rect(columns.x, y, columns.width, 1)))[0]);
    bool glasses = false;
    const int band_from = std::max(1, static_cast<int>(size.height * 0.3) - columns.y);
    const int band_to = std::min(static_cast<int>(rows_.size()) - 1, static_cast<int>(size.height * 0.65) - columns.y);
    if (band_from < band_to) {
        const auto coldest = std::min_element(rows_.begin() + band_from, rows_.begin() + band_to);
        const double above = *std::max_element(rows_.begin(), coldest);
        const double below = *std::max_element(coldest + 1, rows_.end());
        glasses = *coldest < std::min(above, below) - glasses_contrast;
    }

    FaceReading reading;
    reading.canthus_celsius = hottest + offset_celsius;
    reading.face_celsius = *middle + offset_celsius;
    reading.glasses = glasses;
    const cv::Point upright_point(search.x + valid.x + at.x, search.y + valid.y + at.y);
    // Back to the source frame: map the point through the head box (orientation of a 1x1 rect).
    const cv::Rect oriented_point(head_oriented.x + upright_point.x, head_oriented.y + upright_point.y, 1, 1);
    reading.hottest = orientation.to_source(oriented_point, source_size).tl();
    return reading;
}

}  // namespace gatehouse::vision
