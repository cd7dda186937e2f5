#pragma once
// One frame, large, with a coordinate grid in the SOURCE frame's coordinates (the recording's own orientation),
// so positions read off an upright picture can be written down in the coordinates the files and the CLI use.
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "false_colour.hpp"
#include "gatehouse/vision/frame.hpp"
#include "gatehouse/vision/orientation.hpp"

namespace gatehouse::tools {

/// Options of the large view.
struct ViewLayout {
    int enlargement = 6;  ///< Screen pixels per source pixel.
    int grid_step = 10;   ///< Source pixels between grid lines (every other line is labelled).
};

/// Draws one frame oriented for viewing with the source grid, and boxes given in source coordinates.
class FrameView {
public:
    FrameView(vision::Orientation orientation, FalseColour colours, ViewLayout layout);

    /// The view of `frame` under the header `title`. Vertical and horizontal grid lines are labelled in the
    /// margins with the source axis they belong to ("x40" or "y60"): after a 90° rotation the source's x runs
    /// down the upright picture and its y runs across it. Each box in `boxes` (source coordinates) is outlined.
    /// Only `region` of the frame (source coordinates, clipped to the frame) is drawn, so a detail can be
    /// enlarged further; the grid keeps the source coordinates of the whole frame.
    cv::Mat draw(const vision::Frame& frame, const std::string& title, const std::vector<cv::Rect>& boxes,
                 const cv::Rect& region) const;

private:
    vision::Orientation orientation_;
    FalseColour colours_;
    ViewLayout layout_;
};

}  // namespace gatehouse::tools
