#pragma once
// What physically happens in a generated scene, for scoring a pipeline against it: every person's canthus
// temperature, when they stood at the mark, whether a reading is possible and which outcomes are acceptable
// (rules in README.md), every visible face per frame, the reference plate and the camera's offset per frame.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <opencv2/core.hpp>

#include "gate_scene/scenario.hpp"
#include "gate_scene/sensor_model.hpp"

namespace gate_scene {

/// One face visible in one frame.
struct FaceTruth {
    int person = 0;           ///< Index into the scenario's people.
    cv::Rect bbox;            ///< Whole face (ear to ear, forehead to chin) clipped to the frame, frame pixels.
    double visible = 1.0;     ///< Fraction of the face's pixels neither hidden by something nearer nor outside.
    double distance_m = 0;    ///< Lens to the head, horizontally.
    bool cut_top = false;     ///< The face extends above the frame's top edge.
    bool cut_edge = false;    ///< The face extends beyond any edge of the frame.
    int canthi_visible = 0;   ///< Inner canthi in sight (0-2): not behind glasses, a turned head, or someone nearer.
};

struct FrameTruth {
    int frame = 0;
    double time_s = 0;
    double offset_c = 0;            ///< Camera offset (drift and corrections) every pixel of this image carries.
    bool frozen = false;            ///< A flat-field correction repeats the previous image.
    double reference_visible = 1;   ///< Fraction of the plate not hidden by a person.
    std::vector<FaceTruth> faces;
};

enum class StopKind { mark, too_far, too_close, none };

struct PersonTruth {
    int index = 0;
    double canthus_c = 0;       ///< True inner-canthus temperature at the middle of the stay at the stop.
    double warm_canthus_c = 0;  ///< The canthus once warm (differs for cold arrivals only).
    bool febrile = false;
    StopKind stop = StopKind::none;
    std::optional<std::pair<int, int>> at_mark;  ///< First and last frame standing at the stop (mark or too close).
    std::optional<std::pair<double, double>> stop_s;  ///< Arrival at and departure from the stop, any stop.
    std::optional<cv::Rect> bbox_at_mark;        ///< Face box at the middle of at_mark.
    double face_px_at_stop = 0;                  ///< Projected face width at the stop point.
    bool eyes_in_frame = true;                   ///< Both inner canthi inside the frame at the middle of at_mark.
    bool measurable = false;
    std::string why;                    ///< When not measurable.
    std::vector<std::string> expected;  ///< Acceptable outcomes: normal, elevated, uncertain:<reason>, none.
    std::vector<std::string> notes;     ///< Why each outcome beyond the first is also accepted.
};

/// The reference plate as the truth reports it.
struct ReferenceTruth {
    double set_c = 35;
    double emissivity = 0.97;
    double reads_c = 35;  ///< What its core reads on average, without drift: emissivity and vignetting included.
    cv::Rect2d plate;     ///< True outline, fractional frame pixels.
    cv::Rect outline;     ///< Whole-pixel rectangle around the outline, rim included.
    std::string blackbody_argument;
};

struct SceneTruth {
    Scenario scenario;
    double focal_px = 0;
    bool sensor_effects = true;
    ReferenceTruth reference;
    std::vector<FfcEvent> ffc;
    std::vector<FrameTruth> frames;
    std::vector<PersonTruth> people;
};

/// Fills `expected`, `measurable`, `why` and `notes` of a person from what the scene shows (README's rules).
void decide_outcomes(const SceneTruth& scene, PersonTruth& person);

/// The truth.json document.
nlohmann::json truth_to_json(const SceneTruth& scene);

const char* to_string(StopKind kind);

}  // namespace gate_scene
