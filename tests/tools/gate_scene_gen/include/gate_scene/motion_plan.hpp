#pragma once
// Where each person's body is over time: queuing behind the person ahead in their lane, stepping up to their
// stop, standing there, leaving sideways or forward; or walking through without stopping. Simulated at a fixed
// small step; the stop interval that results is the truth's at_mark.
#include <cstdint>
#include <optional>
#include <vector>

#include "gate_scene/camera_model.hpp"
#include "gate_scene/scenario.hpp"

namespace gate_scene {

enum class Phase : std::uint8_t { absent, queuing, approaching, at_stop, leaving, gone };

/// The body's floor position (world X, Z, metres), velocity and phase at one instant.
struct BodySample {
    float x = 0, z = 0;
    float vx = 0, vz = 0;
    Phase phase = Phase::absent;
};

/// One person's path over the whole scene.
class MotionTrack {
public:
    MotionTrack(double start_s, double step_s) : start_s_(start_s), step_s_(step_s) {}

    /// The body at time t (linear between samples; absent before the first, gone after the last).
    BodySample at(double t) const;
    void push(const BodySample& s) { samples_.push_back(s); }
    const BodySample& last() const { return samples_.back(); }
    double time_of(std::size_t index) const { return start_s_ + static_cast<double>(index) * step_s_; }
    std::size_t size() const { return samples_.size(); }

    std::optional<double> arrived_s;  ///< When the body came to rest at the stop.
    std::optional<double> left_s;     ///< When it started to leave the stop.
    double stop_x = 0, stop_z = 0;    ///< The stop point.

private:
    double start_s_, step_s_;
    std::vector<BodySample> samples_;
};

/// Plans every person of the scenario (same order as scenario.people).
std::vector<MotionTrack> plan_motion(const Scenario& scenario, const CameraModel& camera);

/// World X at which a point at distance z and height y (relative to the lens) projects `offset_px` right of centre.
double lateral_for_offset(const CameraModel& camera, double offset_px, double y, double z);

}  // namespace gate_scene
