#pragma once
// What the pipeline saw and decided in one frame, for people to read (`gatehouse screen --explain`) and to
// draw (`--render`). Filled only when asked for: the hot path does not pay for it otherwise.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <opencv2/core/types.hpp>

#include "gatehouse/vision/camera_health.hpp"

namespace gatehouse::vision {

/// One warm outline the head detector looked at: kept as a head, or rejected with the rule that dropped it.
struct CandidateNote {
    cv::Rect box;        ///< source coordinates
    std::string outcome; ///< "head", or why not: "bar", "box_shaped", "too_cold", "too_hot", "below_head"
};

/// One followed head in this frame and what the pipeline made of it.
struct TrackNote {
    std::int64_t track = 0;
    std::int64_t person = 0;     ///< the person this track is taken as (0 before it is one)
    cv::Rect box;                ///< source coordinates
    std::string state;           ///< "fixture", "approaching", "edge", "measuring", "screened", "same_person"
    std::string note;            ///< this frame's finding: "reading", an uncertain reason, "cold", ...
    std::optional<double> reading_celsius;  ///< this frame's canthus reading (corrected), when one was taken
    double motion = 0;           ///< head travel over the motion window, fraction of its width
    int samples = 0;             ///< good readings so far
};

/// Everything one frame produced, in the order the pipeline works.
struct FrameExplanation {
    std::int64_t frame = 0;
    std::int64_t time_ms = 0;
    double room_celsius = 0;     ///< room level of the reduced view (uncorrected)
    double skin_celsius = 0;     ///< the segmentation level heads were cut at (uncorrected)
    ReferenceState reference = ReferenceState::not_configured;
    std::optional<cv::Rect> reference_core;  ///< the pixels read as the reference (source coordinates)
    std::optional<double> reference_celsius; ///< the camera's reading on them
    std::optional<double> offset_celsius;    ///< correction applied this frame
    bool ffc = false;            ///< skipped for a flat-field correction
    std::vector<CandidateNote> candidates;
    std::vector<TrackNote> tracks;
};

/// {"type":"explain", frame, time_ms, room, skin, reference:{state, core:[x,y,w,h]|null, celsius|null,
/// offset|null}, ffc, candidates:[{bbox, outcome}], tracks:[{track, person, bbox, state, note, celsius|null,
/// motion, samples}]}. Field names live here only.
nlohmann::json to_json(const FrameExplanation& explanation);

/// One line per frame for a terminal: the reference, then each track, then rejected outlines.
std::string to_text(const FrameExplanation& explanation);

}  // namespace gatehouse::vision
