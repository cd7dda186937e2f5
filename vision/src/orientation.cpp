#include "gatehouse/vision/orientation.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace gatehouse::vision {

Orientation::Orientation(int rotation_cw, bool mirror) : rotation_cw_(rotation_cw), mirror_(mirror) {
    if (rotation_cw != 0 && rotation_cw != 90 && rotation_cw != 180 && rotation_cw != 270) {
        throw std::invalid_argument("orientation: rotation must be 0, 90, 180 or 270 degrees, not " +
                                    std::to_string(rotation_cw));
    }
}

cv::Size Orientation::oriented_size(cv::Size source) const noexcept {
    return (rotation_cw_ == 90 || rotation_cw_ == 270) ? cv::Size(source.height, source.width) : source;
}

void Orientation::apply(const cv::Mat& source, cv::Mat& oriented) const {
    if (is_identity()) {
        oriented = source;
        return;
    }
    if (&oriented == &source || (oriented.data != nullptr && oriented.data == source.data)) {
        // rotate() and flip() would reallocate or overwrite the input under our feet.
        cv::Mat separate;
        apply(source, separate);
        oriented = separate;
        return;
    }
    switch (rotation_cw_) {
        case 90: cv::rotate(source, oriented, cv::ROTATE_90_CLOCKWISE); break;
        case 180: cv::rotate(source, oriented, cv::ROTATE_180); break;
        case 270: cv::rotate(source, oriented, cv::ROTATE_90_COUNTERCLOCKWISE); break;
        default: cv::flip(source, oriented, 1); return;  // mirror only
    }
    if (mirror_) {
        cv::flip(oriented, oriented, 1);
    }
}

cv::Mat Orientation::apply(const cv::Mat& source) const {
    cv::Mat oriented;
    apply(source, oriented);
    return oriented;
}

cv::Point Orientation::to_oriented(cv::Point source, cv::Size source_size) const noexcept {
    const int w = source_size.width;
    const int h = source_size.height;
    cv::Point p;
    switch (rotation_cw_) {
        case 90: p = {h - 1 - source.y, source.x}; break;
        case 180: p = {w - 1 - source.x, h - 1 - source.y}; break;
        case 270: p = {source.y, w - 1 - source.x}; break;
        default: p = source; break;
    }
    if (mirror_) {
        p.x = oriented_size(source_size).width - 1 - p.x;
    }
    return p;
}

cv::Point Orientation::to_source(cv::Point oriented, cv::Size source_size) const noexcept {
    const int w = source_size.width;
    const int h = source_size.height;
    cv::Point p = oriented;
    if (mirror_) {
        p.x = oriented_size(source_size).width - 1 - p.x;
    }
    switch (rotation_cw_) {
        case 90: return {p.y, h - 1 - p.x};
        case 180: return {w - 1 - p.x, h - 1 - p.y};
        case 270: return {w - 1 - p.y, p.x};
        default: return p;
    }
}

namespace {

// Pixel rectangles map exactly through their first and last pixel; width and height are then counts again.
template <typename MapPoint>
cv::Rect map_rect(const cv::Rect& r, MapPoint map_point) {
    if (r.width <= 0 || r.height <= 0) {
        const cv::Point p = map_point(r.tl());
        return {p.x, p.y, 0, 0};
    }
    const cv::Point a = map_point(r.tl());
    const cv::Point b = map_point(cv::Point(r.x + r.width - 1, r.y + r.height - 1));
    const int x0 = std::min(a.x, b.x);
    const int y0 = std::min(a.y, b.y);
    return {x0, y0, std::max(a.x, b.x) - x0 + 1, std::max(a.y, b.y) - y0 + 1};
}

}  // namespace

cv::Rect Orientation::to_source(const cv::Rect& oriented, cv::Size source_size) const noexcept {
    return map_rect(oriented, [&](cv::Point p) { return to_source(p, source_size); });
}

cv::Rect Orientation::to_oriented(const cv::Rect& source, cv::Size source_size) const noexcept {
    return map_rect(source, [&](cv::Point p) { return to_oriented(p, source_size); });
}

}  // namespace gatehouse::vision
