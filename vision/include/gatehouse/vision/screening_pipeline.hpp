#pragma once
// One camera's thermal screening: frames in, one screening per person out.
#include <deque>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gatehouse/vision/adaptive_baseline.hpp"
#include "gatehouse/vision/camera_health.hpp"
#include "gatehouse/vision/camera_health_monitor.hpp"
#include "gatehouse/vision/face_measurement.hpp"
#include "gatehouse/vision/frame.hpp"
#include "gatehouse/vision/frame_explanation.hpp"
#include "gatehouse/vision/head_detector.hpp"
#include "gatehouse/vision/head_tracker.hpp"
#include "gatehouse/vision/reduced_frame.hpp"
#include "gatehouse/vision/screening.hpp"
#include "gatehouse/vision/screening_config.hpp"
#include "gatehouse/vision/thermal_reference.hpp"

namespace gatehouse::vision {

/// What one frame produced.
struct PipelineOutput {
    std::vector<Screening> screenings;    ///< verdicts decided on this frame
    std::optional<CameraHealth> health;   ///< set when the camera's health changed
    std::optional<std::string> error;     ///< the frame was rejected (wrong type or size); nothing else ran
    std::optional<FrameExplanation> explanation;  ///< what was found and why (only with ScreeningConfig::explain)
};

/// The screening pipeline of one camera: reference correction, head detection on a reduced upright view,
/// tracking, full-resolution canthus measurement on small ROIs, verdicts and evidence. Per-frame work
/// reports problems as results, never as exceptions. Owns scratch buffers: one instance per camera, used
/// from one thread at a time.
class ScreeningPipeline {
public:
    /// Throws std::invalid_argument when the configuration is invalid.
    explicit ScreeningPipeline(ScreeningConfig config);

    ScreeningPipeline(const ScreeningPipeline&) = delete;
    ScreeningPipeline& operator=(const ScreeningPipeline&) = delete;

    /// Processes one frame. The returned reference is valid until the next call.
    const PipelineOutput& process(const Frame& frame);
    /// End of the stream: decides everyone still in view who reached the mark.
    std::vector<Screening> finish();
    /// Current camera health.
    CameraHealth health(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) const {
        return health_.snapshot(now);
    }
    const ScreeningConfig& config() const { return config_; }

private:
    struct Progress {
        std::int64_t person = 0;               ///< the person this track is (0 until it reaches the mark)
        bool born_in_range = false;            ///< the track started at the mark (may be someone found again)
        bool born_near = false;                ///< it started no further than just outside the mark (not walking up)
        std::int64_t beside = 0;               ///< born on the place of this screened person (0: nobody)
        bool left_mark = false;                ///< screened, then walked back out of measuring range
        const char* state_when_decided = "screened";
        std::optional<std::int64_t> in_range_ms;  ///< when the head first reached measuring size
        std::optional<std::int64_t> still_ms;     ///< since when it has held still there (reached the mark)
        int frames_in_range = 0;
        int still_frames = 0;                  ///< frames in range that were not `moving`
        cv::Rect face;                         ///< the face's own box while it stands (reduced coordinates)
        std::vector<double> samples;           ///< good canthus readings (body offset applied)
        std::optional<std::int64_t> first_sample_ms;
        int sampled_width = 0;                 ///< face width (reduced px) when the readings were taken
        std::vector<double> occluded;          ///< readings taken through glasses / without contrast
        int occluded_streak = 0;               ///< consecutive frames read through an occlusion
        std::int64_t occluded_since_ms = 0;
        std::deque<UncertainReason> recent_reasons;  ///< why the latest frames could not be measured
        bool decided = false;
        cv::Rect source_box;                   ///< latest head box in source coordinates
        std::int64_t frame = 0;                ///< latest frame the head was seen in
        std::int64_t time_ms = 0;
        // This frame, for explanations.
        const char* state = "approaching";
        const char* note = "";
        std::optional<double> reading;
    };

    void step(const HeadTrack& track, Progress& progress, const Frame& frame, bool skip_ffc);
    /// The head is big enough to be at the mark (measuring range; `scale` times its lower limit).
    bool in_range(const HeadTrack& track, double scale = 1.0) const;
    /// The person screened where this head is, if one was there a moment ago and as big.
    std::optional<std::int64_t> screened_here(const HeadTrack& track, std::int64_t time_ms) const;
    /// A head born on a screened person's place that was mostly moving and gave too few readings: that person
    /// leaving (turned away, picked up anew), not someone new to screen.
    bool leaving_echo(const Progress& progress) const;
    /// Decides a person's verdict; `raw` (may be null) is the frame the snapshot is drawn from.
    Screening decide(const HeadTrack& track, Progress& progress, const cv::Mat* raw, double offset);

    ScreeningConfig config_;
    ReducedFrame reduced_;
    ThermalReference reference_;
    HeadDetector detector_;
    HeadTracker tracker_;
    FaceMeasurement face_;
    AdaptiveBaseline baseline_;
    CameraHealthMonitor health_;
    std::map<std::int64_t, Progress> progress_;
    /// Where screened people were last seen (reduced coordinates): a head that appears there soon after,
    /// as big, is the same person found again (a turned head, a flicker), not someone new.
    struct ScreenedPlace {
        std::int64_t person = 0;
        cv::Rect box;
        std::int64_t last_ms = 0;
    };
    std::vector<ScreenedPlace> screened_places_;
    std::int64_t next_person_ = 1;
    PipelineOutput output_;
    std::optional<cv::Size> frame_size_;
    std::optional<std::int64_t> first_frame_ms_;  ///< when the stream started
    bool reference_found_ = false;                ///< the reference has been usable at least once
    double offset_ = 0;                 ///< reference correction of the current frame
    cv::Mat evidence_frame_;            ///< copy of the last frame an undecided person was seen in (snapshots)
    std::int64_t evidence_index_ = -1;
    double evidence_offset_ = 0;
};

}  // namespace gatehouse::vision
