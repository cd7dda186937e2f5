#pragma once
// Renders a scenario frame by frame and works out its truth.
#include <opencv2/core.hpp>

#include "gate_scene/scenario.hpp"
#include "gate_scene/truth.hpp"

namespace gate_scene {

/// Receives each frame as it is made (16-bit centi-kelvin, single channel) with its truth (faces, offset).
class FrameSink {
public:
    virtual ~FrameSink() = default;
    virtual void frame(const cv::Mat& centikelvin, const FrameTruth& truth) = 0;
};

struct GenerateOptions {
    /// False: an ideal sensor (no fixed pattern, vignetting, noise, drift or corrections), for checking the truth.
    bool sensor_effects = true;
};

/// Generates every frame of the scenario into `sink` and returns the scene's truth. Deterministic for a
/// scenario (its seed included).
SceneTruth generate_scene(const Scenario& scenario, FrameSink& sink, const GenerateOptions& options = {});

}  // namespace gate_scene
