#include "gate_scene/motion_plan.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "gate_scene/random.hpp"

namespace gate_scene {
namespace {

constexpr double kStep_s = 0.005;
constexpr double kAccel = 2.0;        // m/s², starting and stopping a step
constexpr double kMinGap_m = 0.3;        // closest a follower comes to the back of the person at the stop
constexpr double kAnticipation_s = 0.4;  // a follower moves on this long before the person ahead steps aside
constexpr double kBodyHalfWidth_m = 0.3;

/// Time to walk distance d from rest to rest at top speed v.
double walk_time(double d, double v) {
    if (d <= 0) return 0;
    if (d >= v * v / kAccel) return d / v + v / kAccel;
    return 2 * std::sqrt(d / kAccel);
}

struct Vec2 {
    double x = 0, z = 0;
};

double distance(Vec2 a, Vec2 b) { return std::hypot(a.x - b.x, a.z - b.z); }

/// One body being moved by the simulation.
struct Walker {
    Vec2 p;
    double speed = 0;  // along the current heading
    Vec2 heading{0, -1};

    /// Moves toward target; arrives at rest when `stop` (slowing within braking distance). Returns true on arrival.
    bool step_toward(Vec2 target, double top_speed, bool stop, double dt) {
        const double d = distance(p, target);
        if (d < 1e-4) {
            speed = 0;
            return true;
        }
        heading = {(target.x - p.x) / d, (target.z - p.z) / d};
        double wanted = top_speed;
        if (stop) wanted = std::min(wanted, std::sqrt(2 * kAccel * d));
        speed = wanted > speed ? std::min(wanted, speed + kAccel * dt) : std::max(wanted, speed - 2 * kAccel * dt);
        const double move = std::min(d, speed * dt);
        p.x += heading.x * move;
        p.z += heading.z * move;
        if (stop && d - move < 1e-3) {
            p = target;
            speed = 0;
            return true;
        }
        return false;
    }

    BodySample sample(Phase phase) const {
        return {static_cast<float>(p.x), static_cast<float>(p.z), static_cast<float>(heading.x * speed),
                static_cast<float>(heading.z * speed), phase};
    }
};

bool out_of_view(const CameraModel& camera, Vec2 p) {
    return p.z < 0.35 || std::abs(p.x) > camera.half_view_width(std::max(p.z, 0.35)) + kBodyHalfWidth_m + 0.15;
}

}  // namespace

double lateral_for_offset(const CameraModel& camera, double offset_px, double y, double z) {
    const cv::Vec3d c = camera.to_camera({0, y, z});
    return offset_px * c[2] / camera.focal_px();
}

BodySample MotionTrack::at(double t) const {
    if (samples_.empty() || t < start_s_) return {};
    const double pos = (t - start_s_) / step_s_;
    const auto i = static_cast<std::size_t>(pos);
    if (i + 1 >= samples_.size()) {
        BodySample s = samples_.back();
        if (s.phase != Phase::gone) s.phase = Phase::gone;
        return s;
    }
    const double f = pos - static_cast<double>(i);
    const BodySample& a = samples_[i];
    const BodySample& b = samples_[i + 1];
    BodySample s = f < 0.5 ? a : b;
    const auto lerp = [f](float u, float v) { return static_cast<float>(u + (v - u) * f); };
    if (a.phase == b.phase) {
        s.x = lerp(a.x, b.x), s.z = lerp(a.z, b.z), s.vx = lerp(a.vx, b.vx), s.vz = lerp(a.vz, b.vz);
    }
    return s;
}

std::vector<MotionTrack> plan_motion(const Scenario& scenario, const CameraModel& camera) {
    const auto& people = scenario.people;
    const double back_z = std::min(4.5, scenario.room.wall_distance_m - 0.7);

    // Start early enough that everybody queuing at t = 0 has walked in already.
    double start = 0;
    for (const auto& p : people) start = std::min(start, p.arrive_s - p.lead_s - 4.0);
    const double end = scenario.duration_s + 0.1;

    // Lanes: people of one lane queue behind each other in order of arrival.
    std::map<std::string, std::vector<std::size_t>> lanes;
    for (std::size_t i = 0; i < people.size(); ++i) lanes[people[i].lane].push_back(i);
    for (auto& [name, order] : lanes)
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return people[a].arrive_s < people[b].arrive_s; });

    std::vector<MotionTrack> tracks;
    tracks.reserve(people.size());
    for (std::size_t i = 0; i < people.size(); ++i) tracks.emplace_back(start, kStep_s);

    for (const auto& [name, order] : lanes) {
        const MotionTrack* ahead = nullptr;
        for (const std::size_t index : order) {
            const PersonSpec& p = people[index];
            MotionTrack& track = tracks[index];
            Random random(p.appearance_seed, "motion");
            const double head_y = p.eye_height_m - scenario.camera.height_m;
            const Vec2 stop{lateral_for_offset(camera, p.stop_px, head_y, p.stop_distance_m), p.stop_distance_m};
            track.stop_x = stop.x, track.stop_z = stop.z;
            const double queue_x = 0.6 * stop.x + random.uniform(-0.1, 0.1);
            const double wait_z = stop.z + p.queue_gap_m;
            const double side = random.sign();
            const double exit_dz = random.uniform(-0.15, 0.25);
            const double forward_x = random.uniform(0.45, 0.65);

            Vec2 exit_point;
            switch (p.leave) {
                case LeaveTo::left: exit_point = {-(camera.half_view_width(stop.z) + 1.0), stop.z + exit_dz}; break;
                case LeaveTo::right: exit_point = {camera.half_view_width(stop.z) + 1.0, stop.z + exit_dz}; break;
                case LeaveTo::forward_left: exit_point = {-forward_x, 0.2}; break;
                case LeaveTo::forward_right: exit_point = {forward_x, 0.2}; break;
            }

            Walker w;
            double appear = p.arrive_s - p.lead_s;
            Phase phase = Phase::absent;
            double leave_at = 0;
            Vec2 through_exit = exit_point;  // walk-through: where the walk ends
            if (p.enter == EnterFrom::queue) {
                w.p = {side * (camera.half_view_width(back_z) + 0.6), back_z};
            } else {
                const double sign = p.enter == EnterFrom::left ? -1.0 : 1.0;
                const double entry_z = p.path == PathKind::walk_through ? stop.z : stop.z + 0.2;
                w.p = {sign * (camera.half_view_width(entry_z) + kBodyHalfWidth_m + 0.3), entry_z};
                if (p.path == PathKind::walk_through) {
                    through_exit = {-w.p.x, stop.z};
                    appear = p.arrive_s - std::abs(w.p.x - stop.x) / p.walk_speed_mps;
                    w.speed = p.walk_speed_mps;  // already walking when they come into view
                } else {
                    appear = p.arrive_s - walk_time(distance(w.p, stop), p.walk_speed_mps);
                }
            }
            bool passed_stop = false;

            for (std::size_t k = 0;; ++k) {
                const double t = start + static_cast<double>(k) * kStep_s;
                if (t > end) break;
                if (phase == Phase::absent && t >= appear) {
                    phase = (p.enter == EnterFrom::queue) ? Phase::queuing : Phase::approaching;
                    if (p.path == PathKind::walk_through && p.enter != EnterFrom::queue) phase = Phase::leaving;
                }
                switch (phase) {
                    case Phase::absent:
                    case Phase::gone: break;
                    case Phase::queuing: {
                        const BodySample front = ahead ? ahead->at(t) : BodySample{};
                        const bool front_waiting = ahead && (front.phase == Phase::absent || front.phase == Phase::queuing);
                        const bool front_in_line =
                            ahead && (front.phase == Phase::queuing || front.phase == Phase::approaching || front.phase == Phase::at_stop);
                        double target_z = wait_z;
                        if (front_in_line) target_z = std::max(target_z, front.z + p.queue_gap_m);
                        target_z = std::min(target_z, back_z);
                        // First in, first out: step up only once the person ahead has, and in time to arrive as planned.
                        if (!front_waiting && t + walk_time(distance(w.p, stop), p.walk_speed_mps) >= p.arrive_s) {
                            phase = Phase::approaching;
                        } else {
                            w.step_toward({queue_x, target_z}, p.walk_speed_mps, true, kStep_s);
                        }
                        break;
                    }
                    case Phase::approaching:
                        if (p.path == PathKind::walk_through) {
                            // Straight past the mark without stopping, then on toward the exit.
                            w.step_toward(stop, p.walk_speed_mps, false, kStep_s);
                            if (distance(w.p, stop) < 0.02) {
                                passed_stop = true;
                                phase = Phase::leaving;
                            }
                        } else {
                            // Close up behind the person ahead while they stand at the stop, but do not walk into them;
                            // a moment before they step aside (people see it coming) the way counts as free.
                            double top_speed = p.walk_speed_mps;
                            if (ahead) {
                                const BodySample front = ahead->at(t);
                                const bool still_there = !ahead->left_s || t < *ahead->left_s - kAnticipation_s;
                                if ((front.phase == Phase::approaching || front.phase == Phase::at_stop) && still_there &&
                                    std::abs(front.x - w.p.x) < 0.45)
                                    top_speed = std::min(top_speed, std::max(0.0, w.p.z - front.z - kMinGap_m) / 0.25);
                            }
                            if (w.step_toward(stop, top_speed, true, kStep_s)) {
                                phase = Phase::at_stop;
                                track.arrived_s = t;
                                leave_at = t + p.dwell_s;
                            }
                        }
                        break;
                    case Phase::at_stop:
                        if (t >= leave_at) {
                            phase = Phase::leaving;
                            track.left_s = t;
                        }
                        break;
                    case Phase::leaving: {
                        const Vec2 target = (p.path == PathKind::walk_through && !passed_stop) ? through_exit : exit_point;
                        w.step_toward(target, p.walk_speed_mps, false, kStep_s);
                        // Out of view counts only once walking away from the middle: a walk-through starts outside.
                        const bool outward = w.p.x * w.heading.x > 0 || w.p.z < 0.35;
                        if (distance(w.p, target) < 0.05 || (outward && out_of_view(camera, w.p))) phase = Phase::gone;
                        break;
                    }
                }
                track.push(w.sample(phase));
            }
            ahead = &track;
        }
    }
    return tracks;
}

}  // namespace gate_scene
