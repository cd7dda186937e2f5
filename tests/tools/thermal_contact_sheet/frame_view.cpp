#include "frame_view.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "sheet_text.hpp"

namespace gatehouse::tools {
namespace {

/// Where the boundary just before source column (or row) `k` lies in the oriented frame: a vertical line at
/// oriented x = position, or a horizontal one at oriented y = position. Works for every rotation and mirror
/// by comparing the oriented images of the two sides of the boundary.
struct OrientedBoundary {
    bool vertical = false;
    int position = 0;
};

OrientedBoundary boundary_before(const vision::Orientation& orientation, cv::Size source, bool source_column,
                                 int k) {
    const cv::Rect before = source_column ? cv::Rect(0, 0, k, source.height) : cv::Rect(0, 0, source.width, k);
    const cv::Rect after = source_column ? cv::Rect(k, 0, source.width - k, source.height)
                                         : cv::Rect(0, k, source.width, source.height - k);
    const cv::Rect a = orientation.to_oriented(before, source);
    const cv::Rect b = orientation.to_oriented(after, source);
    if (a.y == b.y && a.height == b.height) return {true, std::max(a.x, b.x)};
    return {false, std::max(a.y, b.y)};
}

}  // namespace

FrameView::FrameView(vision::Orientation orientation, FalseColour colours, ViewLayout layout)
    : orientation_(orientation), colours_(std::move(colours)), layout_(layout) {}

cv::Mat FrameView::draw(const vision::Frame& frame, const std::string& title, const std::vector<cv::Rect>& boxes,
                        const cv::Rect& region) const {
    const int zoom = layout_.enlargement;
    const cv::Rect shown = region & cv::Rect({}, frame.raw.size());
    CV_Assert(!shown.empty());
    // Everything below works in the coordinates of the part shown; `shown.tl()` turns them back into source ones.
    const cv::Size source = shown.size();
    cv::Mat picture;
    cv::resize(colours_.paint(orientation_.apply(frame.raw(shown))), picture, {}, zoom, zoom, cv::INTER_NEAREST);

    constexpr int left_margin = 44;
    constexpr int top_margin = title_height + 20;
    constexpr int gap = 6;
    constexpr int bar_height = 14;
    const int width = std::max({left_margin + picture.cols + gap, 480, label_width(title) + 2 * gap});
    const cv::Mat bar = colours_.colour_bar(std::min(width - 2 * gap, 480), bar_height);
    cv::Mat view(top_margin + picture.rows + gap + bar.rows + gap, width, CV_8UC3, cv::Scalar::all(40));
    const cv::Point origin{left_margin, top_margin};
    picture.copyTo(view(cv::Rect(origin, picture.size())));
    put_label(view, title, {gap, title_height - 7});

    const cv::Scalar grid_colour(200, 200, 200);
    const cv::Scalar label_grid_colour(255, 255, 255);
    for (bool source_column : {true, false}) {
        const int extent = source_column ? source.width : source.height;
        const int offset = source_column ? shown.x : shown.y;
        const int step = layout_.grid_step;
        for (int k = (offset / step + 1) * step - offset; k < extent; k += step) {
            const auto line = boundary_before(orientation_, source, source_column, k);
            const bool labelled = ((k + offset) / step) % 2 == 0;
            const std::string label = std::string(source_column ? "x" : "y") + std::to_string(k + offset);
            const cv::Scalar colour = labelled ? label_grid_colour : grid_colour;
            // Dotted so the pixels under the line stay readable.
            const int along = line.vertical ? picture.rows : picture.cols;
            for (int s = 0; s < along; s += 4) {
                const cv::Point p = line.vertical ? cv::Point(line.position * zoom, s) : cv::Point(s, line.position * zoom);
                cv::line(view, origin + p, origin + p + (line.vertical ? cv::Point(0, 1) : cv::Point(1, 0)), colour, 1);
            }
            if (!labelled) continue;
            if (line.vertical) {
                const int x = origin.x + line.position * zoom - label_width(label, 0.4) / 2;
                put_label(view, label, {x, top_margin - 6}, 0.4);
            } else {
                put_label(view, label, {4, origin.y + line.position * zoom + 5}, 0.4);
            }
        }
    }

    for (const auto& box : boxes) {
        const cv::Rect inside = (box & shown) - shown.tl();
        if (inside.empty()) continue;
        const cv::Rect oriented = orientation_.to_oriented(inside, source);
        const cv::Rect on_screen(origin + oriented.tl() * zoom, oriented.size() * zoom);
        cv::rectangle(view, on_screen, cv::Scalar(0, 255, 0), 2);
    }
    bar.copyTo(view(cv::Rect({gap, top_margin + picture.rows + gap}, bar.size())));
    return view;
}

}  // namespace gatehouse::tools
