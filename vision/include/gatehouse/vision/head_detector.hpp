#pragma once
// Finds heads in the reduced, upright, corrected thermal image.
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "gatehouse/vision/screening_config.hpp"

namespace gatehouse::vision {

/// One head-like region found in a frame (reduced oriented coordinates).
struct HeadCandidate {
    cv::Rect box;              ///< head box (hair to chin) in the reduced oriented image
    cv::Rect face;             ///< the part of `box` as wide as the head's upper rows (what is measured)
    double max_celsius = 0;    ///< hottest pixel of the head (corrected)
    double fill = 0;           ///< fraction of the box the warm region covers
    bool merged = false;       ///< ran into / touches another head: overlapping people
    int neighbour_width = 0;   ///< width of the widest head it touches (a half-hidden face is narrow)
};

/// Segments skin against the room (a level between the room and the hottest skin in view) and takes the
/// top of each region as a head: rows are scanned from the top, runs are followed downwards, and a head ends at its neck (width falls well below its widest
/// row), at its shoulders (width jumps), or where it merges with another head. Shapes that cannot be a head
/// (hotter than skin, box or bar shaped, too wide) are dropped. Reuses buffers; not thread-safe.
class HeadDetector {
public:
    explicit HeadDetector(HeadRules rules) : rules_(rules) {}

    /// Heads in `celsius` (CV_32F, camera reading, not corrected). `background_celsius` is the room level in
    /// the same units; `offset_celsius` the reference correction (for the absolute skin limit); `exclude`
    /// (reduced coordinates) is blanked first (the reference). Candidates' max_celsius are corrected.
    const std::vector<HeadCandidate>& detect(const cv::Mat& celsius, double background_celsius, double offset_celsius,
                                             const std::optional<cv::Rect>& exclude);
    /// When on, detect() also keeps the outlines it dropped and why (for explanations); off by default.
    void keep_rejected(bool on) { keep_rejected_ = on; }
    /// Outlines the latest detect() dropped, with the rule (reduced coordinates); empty unless keep_rejected.
    const std::vector<std::pair<cv::Rect, const char*>>& rejected() const { return rejected_; }
    /// The skin level the latest detect() segmented at (uncorrected °C).
    double skin_level() const { return skin_level_; }

private:
    struct Run {
        int x0, x1, structure;
    };
    struct Structure {
        int parent;
        bool head_phase = true;
        int top = 0, bottom = 0, x0 = 0, x1 = 0, max_width = 0, widest_row = 0, rows = 0, updated_row = -1;
        int last_x0 = 0, last_x1 = 0;  ///< extent of the latest row with runs
        int upper_x0 = 1 << 30, upper_x1 = -1;  ///< extent of the rows within one head width of the top
        long pixels = 0;
        bool merged = false;
    };
    int find(int id);
    void close_head(int id, bool merged);

    HeadRules rules_;
    cv::Mat mask_;
    std::vector<Run> previous_, current_;
    std::vector<Structure> structures_;
    std::vector<HeadCandidate> heads_;
    std::vector<float> samples_;
    std::vector<std::pair<cv::Rect, const char*>> rejected_;
    bool keep_rejected_ = false;
    double skin_level_ = 0;
};

/// Estimates the room's background level of a reduced °C image (a low percentile: most of a gate scene is
/// room, and people are warmer). Samples a sparse grid, so it costs microseconds.
double background_level(const cv::Mat& celsius);

}  // namespace gatehouse::vision
