#pragma once
// A person as the camera sees them: how warm each part of the face, head and body is (the inner canthus the
// warmest point of the face), what they wear, and how their head sways, breathes, nods and turns over time.
#include <array>
#include <vector>

#include <opencv2/core.hpp>

#include "gate_scene/motion_plan.hpp"
#include "gate_scene/scenario.hpp"

namespace gate_scene {

/// Temperatures and sizes drawn once per person (from their appearance seed, within the ranges of the gate
/// description). Temperature drops are °C below the person's canthus.
struct PersonLook {
    double scale = 1.0;  ///< Head size relative to a 15 cm wide head.
    double forehead_drop = 0.7, cheek_drop = 1.5, nose_drop = 3.0, ear_drop = 2.5, neck_drop = 1.0, eye_drop = 1.0;
    double hair_c = 29, clothes_c = 27, mask_c = 32, glass_c = 26, glass_frame_c = 27, headwear_c = 25;
    double cup_c = 62, hand_c = 32;
    double hairline = 0.068;      ///< Reference-head coordinates (metres for a 15 cm head).
    double cap_line = 0.05;
    double shoulder_half_width_m = 0.21;
    double fold_phase = 0;
    double drink_side = 1;  ///< Which hand holds the cup: +1 right of the image, -1 left.
    cv::Mat skin_drop;      ///< Base skin map (°C below the canthus) over the face, CV_32F, see person_model.cpp.
};

/// Everything the renderer needs about one person at one instant.
struct PersonState {
    bool present = false;  ///< In the scene (not absent, not gone).
    Phase phase = Phase::absent;
    cv::Vec3d head_center;       ///< World; the head's centre at eye level.
    cv::Matx33d world_to_head;   ///< Rotation taking world directions into head coordinates.
    cv::Vec3d body;              ///< World: floor position (y unused) of the body centre.
    double eye_y = 0;            ///< World height of the eyes relative to the lens.
    double canthus_c = 36.6;       ///< Inner canthus now.
    double warm_canthus_c = 36.6;  ///< The canthus once warm: skin temperatures are drops below it.
    double cold_c = 0;             ///< Cold arrivals: how much colder exposed skin is than normal, now.
    double mask_c = 32;          ///< Mask surface now (breathing).
    double standing = 1;         ///< 1 standing still, 0 walking.
    bool cup = false;
    cv::Vec3d cup_center;        ///< World.
};

class PersonModel {
public:
    PersonModel(const PersonSpec& spec, const MotionTrack& track, const Scenario& scenario);

    PersonState state_at(double t) const;
    /// The inner canthus temperature at time t (cold arrivals warm up slowly).
    double canthus_at(double t) const;

    const PersonSpec& spec() const { return spec_; }
    const PersonLook& look() const { return look_; }
    const MotionTrack& track() const { return track_; }
    double room_c() const { return room_c_; }
    double lens_height_m() const { return lens_height_m_; }

private:
    struct Glance {
        double start_s, duration_s, yaw_deg;
    };

    const PersonSpec& spec_;
    const MotionTrack& track_;
    double lens_height_m_;
    double room_c_;
    double enter_s_;
    PersonLook look_;
    double sway_phase_x_, sway_phase_z_, breath_phase_, breath_hz_, nod_phase_, idle_phase_, walk_phase_;
    double base_pitch_deg_;
    std::vector<Glance> glances_;
};

/// Reference-head geometry (metres for a 15 cm wide head; multiply by PersonLook::scale).
namespace head_geometry {
inline constexpr double kHalfWidth = 0.075;  ///< a: ear to ear / 2
inline constexpr double kHalfHeight = 0.115; ///< b: eyes to crown and eyes to chin
inline constexpr double kHalfDepth = 0.095;  ///< c
inline constexpr double kNoseCenterY = -0.027, kNoseCenterZ = 0.080;
inline constexpr double kNoseHalfX = 0.0115, kNoseHalfY = 0.029, kNoseHalfZ = 0.026;
inline constexpr double kCanthusX = 0.0155, kCanthusY = -0.0005;
inline constexpr double kCanthusPlateau = 0.0035, kCanthusEdge = 0.0075;
inline constexpr double kFaceTop = 0.075;  ///< The face box spans from here down to the chin.
// The skin map's grid: x from kGridX0 in steps of kGridStep, y likewise.
inline constexpr double kGridX0 = -0.085, kGridY0 = -0.135, kGridStep = 0.005;
inline constexpr int kGridCols = 35, kGridRows = 55;
}  // namespace head_geometry

}  // namespace gate_scene
