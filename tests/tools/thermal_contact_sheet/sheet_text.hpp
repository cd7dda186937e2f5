#pragma once
// The one text style of the sheets and views: white on the dark margins, at a size legible at 1:1.
#include <string>

#include <opencv2/core.hpp>

namespace gatehouse::tools {

/// Height of the header line above a sheet or view.
inline constexpr int title_height = 24;
/// Height of the stamp strip above each tile.
inline constexpr int stamp_height = 16;

/// Writes `text` with its baseline at `origin`.
void put_label(cv::Mat& image, const std::string& text, cv::Point origin, double scale = 0.45);
/// Width in pixels of `text` at `scale`.
int label_width(const std::string& text, double scale = 0.45);

}  // namespace gatehouse::tools
