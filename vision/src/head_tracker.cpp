#include "gatehouse/vision/head_tracker.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace gatehouse::vision {

namespace {

// Heads in view within this long of the stream's start may be fixtures.
constexpr std::int64_t fixture_window_ms = 1000;

cv::Point2d centre(const cv::Rect& r) { return {r.x + r.width / 2.0, r.y + r.height / 2.0}; }
// Where a head is, for motion: the middle of its top. A head box's bottom (where the neck, a mask or a
// beard cuts it) flickers from frame to frame; its top (hair, forehead) does not.
cv::Point2d crown(const cv::Rect& r) { return {r.x + r.width / 2.0, static_cast<double>(r.y)}; }

}  // namespace

double HeadTrack::motion(std::int64_t window_ms) const {
    if (recent.empty()) return 0;
    // The oldest box that is at least window_ms old, or the oldest one kept.
    const cv::Rect* then = &recent.front().second;
    for (const auto& [t, b] : recent) {
        if (t <= recent.back().first - window_ms) then = &b;
    }
    // Box edges flicker by a pixel or so with noise at the reduced resolution; that is not motion.
    constexpr double edge_jitter_px = 1.5;
    const double width = std::max(1, box.width);
    const cv::Point2d d = crown(box) - crown(*then);
    const double travel = std::max(0.0, std::hypot(d.x, d.y) - edge_jitter_px) / width;
    const double growth = std::max(0.0, std::abs(box.width - then->width) - edge_jitter_px) / width;
    return std::max(travel, growth);
}

void HeadTracker::update(const std::vector<HeadCandidate>& candidates, std::int64_t time_ms, cv::Size frame_size) {
    if (!started_ms_) started_ms_ = time_ms;
    std::vector<std::tuple<double, std::size_t, std::size_t>> pairs;
    for (std::size_t t = 0; t < tracks_.size(); ++t) {
        tracks_[t].seen = false;
        for (std::size_t c = 0; c < candidates.size(); ++c) {
            const auto& a = tracks_[t].box;
            const auto& b = candidates[c].box;
            const double scale = std::max(a.width, b.width);
            // Where the head should be now if it kept its pace: someone walking off past the next person
            // stays their own track.
            const cv::Point2d predicted =
                centre(a) + tracks_[t].velocity * static_cast<double>(time_ms - tracks_[t].last_ms);
            const cv::Point2d d = predicted - centre(b);
            const double cost = std::hypot(d.x, d.y) / scale;
            const double ratio = static_cast<double>(b.width) / a.width;
            // A head seen in the previous frame may have moved a lot (walking at 9 fps); one that was not seen
            // for a while is only the same head where it was and as big as it was: anything else is someone
            // who stepped into its place.
            const bool continuous = tracks_[t].last_ms >= previous_ms_;
            const bool plausible = continuous ? cost < 0.8 && ratio > 0.6 && ratio < 1.67
                                              : cost < 0.45 && ratio > 0.8 && ratio < 1.25;
            // A head keeps its size from one frame to the next; of two heads near where it should be, the one
            // of its size is it (the other is someone stepping up behind, or leaving in front).
            if (plausible) pairs.emplace_back(cost + std::abs(std::log(ratio)), t, c);
        }
    }
    std::sort(pairs.begin(), pairs.end());
    std::vector<bool> track_taken(tracks_.size(), false), candidate_taken(candidates.size(), false);
    for (const auto& [cost, t, c] : pairs) {
        if (track_taken[t] || candidate_taken[c]) continue;
        track_taken[t] = candidate_taken[c] = true;
        auto& track = tracks_[t];
        const bool continuous = track.last_ms >= previous_ms_;
        if (time_ms > track.last_ms) {
            const cv::Point2d pace = (centre(candidates[c].box) - centre(track.box)) / static_cast<double>(time_ms - track.last_ms);
            track.velocity = continuous ? 0.5 * (track.velocity + pace) : cv::Point2d(0, 0);
        }
        track.box = candidates[c].box;
        track.merged = candidates[c].merged;
        track.neighbour_width = candidates[c].neighbour_width;
        track.face = candidates[c].face;
        track.last_ms = time_ms;
        track.seen = true;
    }
    for (std::size_t c = 0; c < candidates.size(); ++c) {
        if (candidate_taken[c]) continue;
        HeadTrack track;
        track.id = next_id_++;
        track.box = track.first_box = candidates[c].box;
        track.first_ms = track.last_ms = time_ms;
        track.seen = true;
        track.merged = candidates[c].merged;
        track.neighbour_width = candidates[c].neighbour_width;
        track.face = candidates[c].face;
        // Someone stepping in at the frame's edge has arrived, and so has any head that appears once the
        // stream is under way (a person stepping out from behind another, a head re-found). Only what was in
        // view from the start may be a fixture (a warm sign, a radiator) until it moves.
        const auto& b = track.box;
        // (Warm floor and desk patches lie at the bottom edge: those have to move to count.)
        const bool on_bottom = b.y + b.height >= frame_size.height;
        track.arrived = b.x <= 0 || b.x + b.width >= frame_size.width ||
                        (time_ms - *started_ms_ > fixture_window_ms && !on_bottom);
        tracks_.push_back(std::move(track));
    }
    for (auto& track : tracks_) {
        if (!track.seen) {
            track.velocity = {0, 0};  // not seen: where it was is the best guess
            continue;
        }
        track.recent.emplace_back(time_ms, track.box);
        while (track.recent.size() > 2 && track.recent.front().first < time_ms - 500) track.recent.pop_front();
        if (!track.arrived) {
            const double width = std::max(track.first_box.width, track.box.width);
            const cv::Point2d d = centre(track.box) - centre(track.first_box);
            const double growth = static_cast<double>(track.box.width) / std::max(1, track.first_box.width);
            track.arrived = std::hypot(d.x, d.y) > 0.35 * width || growth > 1.25 || growth < 0.8;
        }
    }
    previous_ms_ = time_ms;
    for (auto it = tracks_.begin(); it != tracks_.end();) {
        if (time_ms - it->last_ms > lost_after_ms_) {
            lost_.push_back(std::move(*it));
            it = tracks_.erase(it);
        } else {
            ++it;
        }
    }
}

}  // namespace gatehouse::vision
