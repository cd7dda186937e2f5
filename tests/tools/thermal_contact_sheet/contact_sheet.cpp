#include "contact_sheet.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "sheet_text.hpp"

namespace gatehouse::tools {

ContactSheet::ContactSheet(vision::Orientation orientation, FalseColour colours, SheetLayout layout)
    : orientation_(orientation), colours_(std::move(colours)), layout_(layout) {}

cv::Mat ContactSheet::tile(const vision::Frame& frame) const {
    const cv::Mat upright = colours_.paint(orientation_.apply(frame.raw));
    cv::Mat enlarged;
    cv::resize(upright, enlarged, {}, layout_.enlargement, layout_.enlargement, cv::INTER_NEAREST);

    cv::Mat out(enlarged.rows + stamp_height, enlarged.cols, CV_8UC3, cv::Scalar::all(0));
    enlarged.copyTo(out(cv::Rect(0, stamp_height, enlarged.cols, enlarged.rows)));
    char stamp[48];
    std::snprintf(stamp, sizeof stamp, "#%lld  %.1f s", static_cast<long long>(frame.index), frame.time_ms / 1000.0);
    put_label(out, stamp, {3, stamp_height - 5});
    return out;
}

cv::Mat ContactSheet::draw(std::span<const vision::Frame> frames, const std::string& title) const {
    CV_Assert(!frames.empty());
    std::vector<cv::Mat> tiles;
    tiles.reserve(frames.size());
    for (const auto& frame : frames) tiles.push_back(tile(frame));

    constexpr int gap = 4;
    int tile_width = 0;
    int tile_height = 0;
    for (const auto& t : tiles) {
        tile_width = std::max(tile_width, t.cols);
        tile_height = std::max(tile_height, t.rows);
    }
    const int columns = std::min<int>(layout_.columns, static_cast<int>(tiles.size()));
    const int rows = (static_cast<int>(tiles.size()) + columns - 1) / columns;
    const int width = std::max({columns * (tile_width + gap) + gap, 480, label_width(title) + 2 * gap});
    constexpr int bar_height = 14;
    const cv::Mat bar = colours_.colour_bar(std::min(width - 2 * gap, 480), bar_height);
    const int grid_top = title_height;
    const int grid_height = rows * (tile_height + gap) + gap;
    cv::Mat sheet(grid_top + grid_height + bar.rows + gap, width, CV_8UC3, cv::Scalar::all(40));

    put_label(sheet, title, {gap, title_height - 7});
    for (std::size_t i = 0; i < tiles.size(); ++i) {
        const int column = static_cast<int>(i) % columns;
        const int row = static_cast<int>(i) / columns;
        const cv::Point at{gap + column * (tile_width + gap), grid_top + gap + row * (tile_height + gap)};
        tiles[i].copyTo(sheet(cv::Rect(at, tiles[i].size())));
    }
    bar.copyTo(sheet(cv::Rect({gap, grid_top + grid_height}, bar.size())));
    return sheet;
}

}  // namespace gatehouse::tools
