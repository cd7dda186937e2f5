#pragma once
// A contact sheet: a grid of false-colour frames, each upright, enlarged and stamped with its index and time.
#include <span>
#include <string>

#include <opencv2/core.hpp>

#include "false_colour.hpp"
#include "gatehouse/vision/frame.hpp"
#include "gatehouse/vision/orientation.hpp"

namespace gatehouse::tools {

/// How the tiles of a sheet are drawn.
struct SheetLayout {
    int columns = 8;      ///< Tiles per row.
    int enlargement = 2;  ///< Each source pixel becomes enlargement x enlargement screen pixels.
};

/// Draws frames as tiles of one sheet. Immutable; one job: layout and stamping.
class ContactSheet {
public:
    ContactSheet(vision::Orientation orientation, FalseColour colours, SheetLayout layout);

    /// A sheet of `frames` (in order, row by row) under a header line `title`, with the colour bar at the
    /// bottom. Each tile is stamped "#index  t.t s" (0-based index as the decoder delivered it, seconds since
    /// the first frame of the recording) above its image, so the stamp hides no pixel.
    cv::Mat draw(std::span<const vision::Frame> frames, const std::string& title) const;

private:
    cv::Mat tile(const vision::Frame& frame) const;

    vision::Orientation orientation_;
    FalseColour colours_;
    SheetLayout layout_;
};

}  // namespace gatehouse::tools
