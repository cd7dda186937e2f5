#include "gate_scene/person_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <opencv2/imgproc.hpp>

#include "gate_scene/random.hpp"

namespace gate_scene {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;
constexpr double kColdRecovery_s = 300.0;  // cold skin and canthus warm up over minutes
constexpr double kMinSkinDrop = 0.35;      // no skin but the canthus comes closer to it than this

double smoothstep(double e0, double e1, double x) {
    const double t = std::clamp((x - e0) / (e1 - e0), 0.0, 1.0);
    return t * t * (3 - 2 * t);
}

/// Skin temperature below the canthus by region of the face (reference-head coordinates; the eyes and the canthi
/// themselves are drawn on top by the renderer).
double region_drop(double x, double y, const PersonLook& l) {
    const double ax = std::abs(x);
    double d = 0;
    if (y > 0.025) {
        d = l.forehead_drop + 0.5 * smoothstep(0.035, 0.07, ax);  // forehead, cooler at the temples
    } else if (y > -0.015) {
        d = ax < 0.011 ? 0.5 : (ax < 0.05 ? 0.75 : 1.3);  // bridge of the nose, around the eyes, temples
    } else if (y > -0.05) {
        d = ax < 0.022 ? 0.9 : l.cheek_drop + 0.4 * smoothstep(0.055, 0.075, ax);  // beside the nose, cheeks
    } else if (y > -0.088) {
        d = ax < 0.025 ? 1.1 : l.cheek_drop + 0.3;  // mouth, lower cheeks
    } else {
        d = 1.6 + 0.5 * smoothstep(-0.09, -0.115, y);  // chin
    }
    return d;
}

cv::Mat make_skin_map(const PersonLook& look, Random& random) {
    using namespace head_geometry;
    cv::Mat map(kGridRows, kGridCols, CV_32F);
    for (int r = 0; r < kGridRows; ++r)
        for (int c = 0; c < kGridCols; ++c)
            map.at<float>(r, c) = static_cast<float>(region_drop(kGridX0 + c * kGridStep, kGridY0 + r * kGridStep, look));
    // Soften the regions' borders (about 7 mm), then add a faint vascular texture.
    cv::GaussianBlur(map, map, cv::Size(0, 0), 1.4);
    cv::Mat texture(kGridRows / 3 + 1, kGridCols / 3 + 1, CV_32F);
    for (int r = 0; r < texture.rows; ++r)
        for (int c = 0; c < texture.cols; ++c) texture.at<float>(r, c) = static_cast<float>(random.uniform(-0.12, 0.12));
    cv::resize(texture, texture, map.size(), 0, 0, cv::INTER_CUBIC);
    map += texture;
    cv::max(map, kMinSkinDrop, map);
    return map;
}

cv::Matx33d rotation_y(double a) { return {std::cos(a), 0, std::sin(a), 0, 1, 0, -std::sin(a), 0, std::cos(a)}; }
cv::Matx33d rotation_x(double a) { return {1, 0, 0, 0, std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a)}; }
cv::Matx33d rotation_z(double a) { return {std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1}; }

}  // namespace

PersonModel::PersonModel(const PersonSpec& spec, const MotionTrack& track, const Scenario& scenario)
    : spec_(spec), track_(track), lens_height_m_(scenario.camera.height_m), room_c_(scenario.room.temperature_c) {
    Random random(spec.appearance_seed, "look");
    const double room = scenario.room.temperature_c;
    PersonLook& l = look_;
    l.scale = spec.head_width_m / 0.15;
    l.forehead_drop = random.uniform(0.5, 1.0);
    l.cheek_drop = random.uniform(1.0, 2.0);
    l.nose_drop = random.uniform(2.0, 4.0);
    l.ear_drop = random.uniform(2.0, 3.0);
    l.neck_drop = random.uniform(0.5, 1.5);
    l.eye_drop = random.uniform(0.8, 1.2);
    l.hair_c = random.uniform(26.0, 32.0);
    l.clothes_c = random.uniform(24.0, 31.0);
    l.mask_c = random.uniform(30.0, 34.0);
    l.glass_c = room + random.uniform(3.0, 6.0);
    l.glass_frame_c = l.glass_c + random.uniform(0.5, 1.5);
    l.headwear_c = room + random.uniform(2.0, 4.0);
    l.cup_c = random.uniform(55.0, 70.0);
    l.hand_c = random.uniform(30.0, 34.0);
    l.hairline = random.uniform(0.062, 0.075);
    l.cap_line = random.uniform(0.045, 0.055);
    l.shoulder_half_width_m = (spec.kind == PersonKind::child ? 0.15 : random.uniform(0.19, 0.23));
    l.fold_phase = random.uniform(0, 2 * std::numbers::pi);
    l.drink_side = random.sign();
    l.skin_drop = make_skin_map(l, random);

    sway_phase_x_ = random.uniform(0, 2 * std::numbers::pi);
    sway_phase_z_ = random.uniform(0, 2 * std::numbers::pi);
    breath_phase_ = random.uniform(0, 2 * std::numbers::pi);
    breath_hz_ = random.uniform(0.2, 0.3);
    nod_phase_ = random.uniform(0, 2 * std::numbers::pi);
    idle_phase_ = random.uniform(0, 2 * std::numbers::pi);
    walk_phase_ = random.uniform(0, 2 * std::numbers::pi);
    base_pitch_deg_ = random.uniform(-2.0, 4.0);
    enter_s_ = spec.arrive_s - spec.lead_s;

    // Glances happen while standing at the stop: one per equal slice of the stay, each somewhere in its slice.
    if (spec.glances > 0 && track.arrived_s && track.left_s) {
        const double from = *track.arrived_s + 0.1, to = *track.left_s - 0.1;
        const double slice = (to - from) / spec.glances;
        for (int i = 0; i < spec.glances; ++i) {
            const double duration = std::min(random.uniform(0.3, 1.0), std::max(0.2, slice - 0.1));
            const double start = from + i * slice + random.uniform(0, std::max(0.0, slice - duration));
            glances_.push_back({start, duration, random.sign() * random.uniform(30.0, 45.0)});
        }
    }
}

double PersonModel::canthus_at(double t) const {
    if (!spec_.cold) return spec_.canthus_c;
    return spec_.canthus_c - spec_.cold_canthus_drop_c * std::exp(-std::max(0.0, t - enter_s_) / kColdRecovery_s);
}

PersonState PersonModel::state_at(double t) const {
    PersonState s;
    const BodySample b = track_.at(t);
    s.phase = b.phase;
    s.present = b.phase != Phase::absent && b.phase != Phase::gone;
    if (!s.present) return s;

    const double two_pi = 2 * std::numbers::pi;
    const double speed = std::hypot(b.vx, b.vz);
    const double walking = std::min(1.0, speed / 0.5);
    s.standing = 1.0 - std::min(1.0, speed / 0.25);
    const double sway = spec_.sway_cm / 100.0;

    double dx = sway * std::sin(two_pi * spec_.sway_hz * t + sway_phase_x_) * s.standing;
    const double dz = 0.5 * sway * std::sin(two_pi * 0.7 * spec_.sway_hz * t + sway_phase_z_) * s.standing;
    double dy = 0.004 * std::sin(two_pi * breath_hz_ * t + breath_phase_);  // breathing
    dy += 0.012 * std::cos(two_pi * 1.9 * t + walk_phase_) * walking;       // steps
    dx += 0.012 * std::sin(std::numbers::pi * 1.9 * t + walk_phase_) * walking;

    s.body = {b.x, 0, b.z};
    s.eye_y = spec_.eye_height_m - lens_height_m_ + dy;
    s.head_center = {b.x + dx, s.eye_y, b.z + dz};

    // Yaw (positive: the face turns toward the image's right): where the person walks, small looks around,
    // and glances while at the stop.
    double yaw = 0;
    if (speed > 0.05) yaw += std::clamp(std::atan2(static_cast<double>(b.vx), -static_cast<double>(b.vz)), -85 * kDeg, 85 * kDeg) * walking;
    const double idle_amplitude = b.phase == Phase::at_stop ? 4.0 : 12.0;
    yaw += idle_amplitude * kDeg * std::sin(two_pi * 0.13 * t + idle_phase_) * s.standing;
    for (const auto& g : glances_) {
        const double ramp = 0.12;
        const double in = smoothstep(g.start_s, g.start_s + ramp, t);
        const double out = 1.0 - smoothstep(g.start_s + g.duration_s - ramp, g.start_s + g.duration_s, t);
        yaw += g.yaw_deg * kDeg * std::min(in, out);
    }
    double pitch = base_pitch_deg_;
    if (b.phase == Phase::at_stop) pitch += spec_.nod_deg * std::sin(two_pi * 0.35 * t + nod_phase_);
    const double roll = 2.0 * std::sin(two_pi * spec_.sway_hz * t + sway_phase_x_) * s.standing;

    // Head coordinates: x to the image's right when facing the camera, y up, z out of the face. Facing the camera
    // means the head's z points along world -Z: head_to_world = diag(1, 1, -1) * R(yaw, pitch, roll).
    const cv::Matx33d local = rotation_y(yaw) * rotation_x(pitch * kDeg) * rotation_z(roll * kDeg);
    const cv::Matx33d facing(1, 0, 0, 0, 1, 0, 0, 0, -1);
    s.world_to_head = local.t() * facing;

    const double rec = spec_.cold ? std::exp(-std::max(0.0, t - enter_s_) / kColdRecovery_s) : 0.0;
    s.canthus_c = canthus_at(t);
    s.warm_canthus_c = spec_.canthus_c;
    s.cold_c = spec_.cold_skin_drop_c * rec;
    // Breathing out warms the mask, breathing in cools it.
    s.mask_c = look_.mask_c + 0.5 * std::sin(two_pi * breath_hz_ * t + breath_phase_ + 1.2) - 0.6 * spec_.cold_skin_drop_c * rec;

    if (spec_.drink != Drink::none) {
        s.cup = true;
        const double raise = spec_.drink == Drink::chin ? s.standing : 0.0;
        const double side = look_.drink_side * (0.12 - 0.08 * raise) * look_.scale;
        const double cup_y = s.eye_y - (0.42 - 0.255 * raise) * look_.scale;
        const double cup_z = b.z - (0.25 - 0.12 * raise);
        s.cup_center = {b.x + dx * raise + side, cup_y, cup_z};
    }
    return s;
}

}  // namespace gate_scene
