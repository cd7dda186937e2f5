#pragma once
// Follows heads from frame to frame so that each person is one track.
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include "gatehouse/vision/head_detector.hpp"

namespace gatehouse::vision {

/// One head followed across frames (boxes in reduced oriented coordinates).
struct HeadTrack {
    std::int64_t id = 0;
    cv::Rect box;                 ///< latest box
    cv::Rect first_box;           ///< box when the track started
    std::int64_t first_ms = 0;
    std::int64_t last_ms = 0;     ///< last time a candidate was matched
    bool seen = false;            ///< matched in the latest frame
    bool merged = false;          ///< latest candidate overlapped another head
    int neighbour_width = 0;      ///< latest candidate's widest touching head (reduced pixels)
    cv::Rect face;                ///< latest candidate's face (its box as wide as the head's upper rows)
    cv::Point2d velocity{0, 0};   ///< box centre's pace (reduced pixels per ms), smoothed
    bool arrived = false;         ///< has moved or grown since it appeared (a person, not a fixture)
    std::deque<std::pair<std::int64_t, cv::Rect>> recent;  ///< (time, box) over the last ~0.5 s

    /// How much the head moved over the last `window_ms`: travel of the top of the head or change of width, as a
    /// fraction of its width.
    double motion(std::int64_t window_ms) const;
};

/// Greedy nearest-centre association with size gating. Tracks unmatched for `lost_after_ms` are handed out
/// once through take_lost(). Not thread-safe.
class HeadTracker {
public:
    explicit HeadTracker(std::int64_t lost_after_ms) : lost_after_ms_(lost_after_ms) {}

    /// Associates this frame's candidates with the live tracks. `frame_size` is the reduced image size.
    void update(const std::vector<HeadCandidate>& candidates, std::int64_t time_ms, cv::Size frame_size);
    /// Live tracks (seen within lost_after_ms).
    std::vector<HeadTrack>& tracks() { return tracks_; }
    /// Tracks that were lost in the latest update (moved out of tracks()).
    std::vector<HeadTrack> take_lost() { return std::exchange(lost_, {}); }
    /// Ends every live track (end of stream) and returns them.
    std::vector<HeadTrack> take_all() { return std::exchange(tracks_, {}); }

private:
    std::int64_t lost_after_ms_;
    std::int64_t next_id_ = 1;
    std::int64_t previous_ms_ = -1;  ///< time of the previous update
    std::optional<std::int64_t> started_ms_;  ///< time of the first update
    std::vector<HeadTrack> tracks_;
    std::vector<HeadTrack> lost_;
};

}  // namespace gatehouse::vision
