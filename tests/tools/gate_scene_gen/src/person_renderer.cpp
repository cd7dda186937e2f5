#include "gate_scene/person_renderer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace gate_scene {
namespace {

using namespace head_geometry;

constexpr double kDeg = std::numbers::pi / 180.0;

double smoothstep(double e0, double e1, double x) {
    const double t = std::clamp((x - e0) / (e1 - e0), 0.0, 1.0);
    return t * t * (3 - 2 * t);
}

double lerp(double a, double b, double w) { return a + (b - a) * w; }

/// Temperature of a point on the head (reference-head coordinates), given the person's state.
class HeadShading {
public:
    HeadShading(const PersonModel& person, const PersonState& state, double view_yaw)
        : look_(person.look()),
          spec_(person.spec()),
          canthus_(state.canthus_c),
          warm_(state.warm_canthus_c),
          cold_(state.cold_c),
          mask_c_(state.mask_c),
          grid_(look_.skin_drop) {
        // Turning the head hides the far inner canthus behind the bridge of the nose (from about 20°), and in
        // profile the near one too. view_yaw > 0: the camera sees the head's +x side.
        const double a = std::abs(view_yaw);
        const double near_vis = 1.0 - smoothstep(55 * kDeg, 70 * kDeg, a);
        const double far_vis = 1.0 - smoothstep(16 * kDeg, 26 * kDeg, a);
        vis_plus_ = view_yaw >= 0 ? near_vis : far_vis;
        vis_minus_ = view_yaw >= 0 ? far_vis : near_vis;
    }

    /// Temperature, and owner bits marking a visible inner canthus (kCanthusBit, with kRightCanthusBit for +x).
    struct Shade {
        float celsius;
        std::uint16_t canthus_bits;
    };

    Shade operator()(double x, double y, double z, bool nose) const {
        const double ax = std::abs(x);
        double t = 0;
        bool canthus = false;  // the pixel shows a canthus, nothing over it
        // Skin temperatures are drops below the warm canthus. Cold arrivals' exposed skin is colder still (the
        // nose most), less so around the eyes, which the inner canthus's artery keeps warm.
        if (nose) {
            const double drop = lerp(0.8, look_.nose_drop, smoothstep(-0.005, -0.045, y));
            t = warm_ - drop - 1.2 * cold_;
        } else {
            const double dx = ax - kCanthusX, dy = y - kCanthusY;
            const double r2 = dx * dx + dy * dy;
            const double shielded = 0.4 + 0.6 * smoothstep(0.008, 0.025, std::sqrt(r2));
            t = warm_ - skin_drop(x, y) - cold_ * shielded;
            if (z < 0.02) {
                // Behind the face: scalp and the nape, cooler than the face; blended in over the sides.
                const double back = warm_ - 1.4 - 0.6 * smoothstep(0.0, -0.1, y) - cold_;
                t = lerp(t, back, smoothstep(0.02, -0.02, z));
            }
            if (ax > 0.06 && y > -0.035 && y < 0.025 && std::abs(z + 0.005) < 0.02)
                t = warm_ - look_.ear_drop - 1.2 * cold_;  // the ears
            if (z > 0.04) {
                const double ex = (ax - 0.031) / 0.0125, ey = y / 0.0055;
                const double e = ex * ex + ey * ey;
                if (e < 1.3) t = lerp(t, warm_ - look_.eye_drop - 0.5 * cold_, 1.0 - smoothstep(0.75, 1.25, e));
                if (r2 < kCanthusEdge * kCanthusEdge) {
                    const double w = 1.0 - smoothstep(kCanthusPlateau, kCanthusEdge, std::sqrt(r2));
                    const double seen = w * (x >= 0 ? vis_plus_ : vis_minus_);
                    t = lerp(t, canthus_, seen);
                    canthus = seen >= 0.5;
                }
            }
        }
        // Hair: above a hairline that runs round the head, high over the forehead, above the ears at the sides,
        // down to the nape at the back (long hair: over the ears and down the sides).
        if (spec_.hair != HairStyle::bald) {
            const double xn = x / kHalfWidth, zn = z / kHalfDepth;
            const double q = zn / std::sqrt(xn * xn + zn * zn + 1e-12);  // cosine of the angle from the front
            const double h0 = look_.hairline;
            double line = 0;
            if (spec_.hair == HairStyle::long_hair && q < 0.45)
                line = -0.11;
            else if (q >= 0.64)
                line = h0 - 0.02 * (1 - q) / 0.36;
            else if (q >= -0.17)
                line = h0 - 0.02 - 0.018 * (0.64 - q) / 0.81;
            else if (q >= -0.64)
                line = lerp(h0 - 0.038, -0.06, (-0.17 - q) / 0.47);
            else
                line = -0.06;
            const double w = smoothstep(line - 0.003, line + 0.003, y);
            if (w > 0) t = lerp(t, look_.hair_c, w);
            if (w >= 0.5) canthus = false;
        }
        // Headwear.
        switch (spec_.headwear) {
            case Headwear::none: break;
            case Headwear::cap:
                if (y > look_.cap_line || (z > 0.05 && y > look_.cap_line - 0.012)) t = look_.headwear_c, canthus = false;
                break;
            case Headwear::beanie:
                if (y > 0.04 - 0.01 * (ax / 0.075) * (ax / 0.075) || (ax > 0.06 && y > -0.035)) t = look_.headwear_c, canthus = false;
                break;
            case Headwear::hood:
                if (y > 0.03 || (ax > 0.052 && y > -0.10) || z < 0) t = look_.headwear_c, canthus = false;
                break;
        }
        // Mask over nose and mouth, warmest in front of the mouth.
        if (spec_.mask && z > 0 && ax < 0.07) {
            const double top = -0.013 - 0.012 * (ax / 0.065) * (ax / 0.065);
            if (y < top && y > -0.128) {
                const double my = y + 0.065;
                const double bump = std::max(0.0, 1.0 - (x * x + my * my) / (0.03 * 0.03));
                t = mask_c_ + 0.4 * bump * bump;
                canthus = false;
            }
        }
        // Glasses: lenses opaque in the long-wave infrared show the glass, not the eyes behind.
        if (spec_.glasses != Glasses::none) {
            const bool sun = spec_.glasses == Glasses::sun;
            const double sx = sun ? 0.028 : 0.025, sy = sun ? 0.021 : 0.0175, cx = sun ? 0.0355 : 0.0325;
            const double ex = (ax - cx) / sx, ey = (y - 0.001) / sy;
            const double e = ex * ex + ey * ey;
            if (z > 0.02 && e <= 1.0) {
                t = e > 0.82 ? look_.glass_frame_c : look_.glass_c;
                canthus = false;
            } else if (z > 0.05 && ax < 0.0105 && y > 0.002 && y < 0.009) {
                t = look_.glass_frame_c;  // bridge
                canthus = false;
            } else if (ax > 0.055 && y > -0.001 && y < 0.005 && z > -0.05 && z < 0.07) {
                t = look_.glass_frame_c;  // temples
            }
        }
        const auto bits = static_cast<std::uint16_t>(canthus ? kCanthusBit | (x >= 0 ? kRightCanthusBit : 0) : 0);
        return {static_cast<float>(t), bits};
    }

private:
    double skin_drop(double x, double y) const {
        const double gx = std::clamp((x - kGridX0) / kGridStep, 0.0, kGridCols - 1.001);
        const double gy = std::clamp((y - kGridY0) / kGridStep, 0.0, kGridRows - 1.001);
        const int ix = static_cast<int>(gx), iy = static_cast<int>(gy);
        const double fx = gx - ix, fy = gy - iy;
        const float* r0 = grid_.ptr<float>(iy);
        const float* r1 = grid_.ptr<float>(iy + 1);
        return (r0[ix] * (1 - fx) + r0[ix + 1] * fx) * (1 - fy) + (r1[ix] * (1 - fx) + r1[ix + 1] * fx) * fy;
    }

    const PersonLook& look_;
    const PersonSpec& spec_;
    double canthus_, warm_, cold_, mask_c_;
    const cv::Mat& grid_;
    double vis_plus_ = 1, vis_minus_ = 1;
};

cv::Vec3d mul(const cv::Vec3d& a, const cv::Vec3d& b) { return {a[0] * b[0], a[1] * b[1], a[2] * b[2]}; }

/// Nearest positive intersection of the ray o + t d with the unit sphere (o, d already divided by the axes).
inline double unit_sphere_hit(const cv::Vec3d& o, const cv::Vec3d& d, double oo_minus_1) {
    const double a = d.dot(d), b = o.dot(d);
    const double disc = b * b - a * oo_minus_1;
    if (disc < 0) return std::numeric_limits<double>::infinity();
    const double t = (-b - std::sqrt(disc)) / a;
    return t > 0 ? t : std::numeric_limits<double>::infinity();
}

}  // namespace

cv::Rect PersonRenderer::project_box(const std::vector<cv::Vec3d>& points) const {
    const double ss = camera_.supersample();
    double x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
    for (const auto& p : points) {
        const cv::Point2d q = camera_.project(p);
        x0 = std::min(x0, q.x * ss), x1 = std::max(x1, q.x * ss);
        y0 = std::min(y0, q.y * ss), y1 = std::max(y1, q.y * ss);
    }
    const auto clampi = [](double v) { return static_cast<int>(std::clamp(v, -1e6, 1e6)); };
    const int ix0 = clampi(std::floor(x0)) - 1, iy0 = clampi(std::floor(y0)) - 1;
    return {ix0, iy0, clampi(std::ceil(x1)) + 2 - ix0, clampi(std::ceil(y1)) + 2 - iy0};
}

PersonDrawing PersonRenderer::draw(const PersonModel& person, const PersonState& state, std::uint16_t owner_id,
                                   cv::Mat& canvas_c, cv::Mat& owner) const {
    PersonDrawing drawing;
    if (!state.present) return drawing;
    const auto keep = [&](const cv::Rect& r) {
        if (r.area() > 0) drawing.touched.push_back(r);
    };
    keep(draw_body(person, state, owner_id, canvas_c, owner));
    if (person.spec().headwear == Headwear::hood) keep(draw_hood(person, state, owner_id, canvas_c, owner));
    keep(draw_head(person, state, owner_id, canvas_c, owner, drawing));
    if (state.cup) keep(draw_cup(person, state, owner_id, canvas_c, owner));
    return drawing;
}

cv::Rect PersonRenderer::draw_body(const PersonModel& person, const PersonState& state, std::uint16_t owner_id,
                                   cv::Mat& canvas_c, cv::Mat& owner) const {
    const PersonLook& look = person.look();
    const double s = look.scale, sh = look.shoulder_half_width_m;
    const double plane_z = state.head_center[2] + 0.02;
    const double cx = state.head_center[0], eye_y = state.eye_y;
    const double floor_rel = -person.lens_height_m() - eye_y;  // the floor, below the eyes
    const double hip_rel = -0.45 * person.spec().eye_height_m;  // hips a little above half the eye height
    const double neck_hw = 0.052 * s;
    const double neck_c = state.warm_canthus_c - look.neck_drop - state.cold_c;
    const double hand_x = sh - 0.03, hand_y = hip_rel - 0.06;
    const cv::Rect roi = project_box({{cx - sh - 0.03, eye_y - 0.05 * s, plane_z},
                                      {cx + sh + 0.03, eye_y - 0.05 * s, plane_z},
                                      {cx - sh - 0.03, eye_y + floor_rel, plane_z},
                                      {cx + sh + 0.03, eye_y + floor_rel, plane_z}}) &
                         cv::Rect(0, 0, canvas_c.cols, canvas_c.rows);
    const double inv_ss = 1.0 / camera_.supersample();
    const float legs = static_cast<float>(look.clothes_c - 1.5);
    const float hand = static_cast<float>(look.hand_c);
    for (int y = roi.y; y < roi.y + roi.height; ++y) {
        auto* row = canvas_c.ptr<float>(y);
        auto* own = owner.ptr<std::uint16_t>(y);
        const cv::Vec3d d0 = camera_.ray(0.0, (y + 0.5) * inv_ss);
        const double t = plane_z / d0[2];  // the plane is vertical: every ray of the row meets it at the same depth
        const double rel_y = t * d0[1] - eye_y;
        if (rel_y > -0.06 * s || rel_y < floor_rel) continue;
        const double x_scale = t * inv_ss / camera_.focal_px();
        const double x_origin = t * (0.5 * inv_ss - camera_.center_u()) / camera_.focal_px() - cx;
        // Only the columns within reach of this row's spans: |rel_x| <= reach.
        double reach = 0;
        if (rel_y <= hip_rel)
            reach = std::max(0.17, hand_x + 0.03);
        else if (rel_y <= -0.19 * s)
            reach = std::min(sh, sh * std::sqrt((-0.19 * s - rel_y) / (0.08 * s)));
        if (rel_y > hip_rel && rel_y > -0.22 * s) reach = std::max(reach, neck_hw);
        if (reach <= 0) continue;
        const int x_first = std::max(roi.x, static_cast<int>(std::floor((-reach - x_origin) / x_scale)));
        const int x_last = std::min(roi.x + roi.width - 1, static_cast<int>(std::ceil((reach - x_origin) / x_scale)));
        const bool torso_row = rel_y > hip_rel;
        const double hy = (rel_y - hand_y) / 0.05;
        for (int x = x_first; x <= x_last; ++x) {
            const double rel_x = x_origin + x * x_scale;
            const double ax = std::abs(rel_x);
            if (!torso_row) {
                // Legs, and the hands hanging beside the hips.
                const double hx = (ax - hand_x) / 0.028;
                if (hx * hx + hy * hy <= 1) {
                    row[x] = hand;
                    own[x] = owner_id;
                } else if (ax > 0.012 && ax < 0.17) {
                    row[x] = legs;
                    own[x] = owner_id;
                }
                continue;
            }
            const double top = -0.19 * s - 0.08 * s * (ax / sh) * (ax / sh);
            if (ax <= sh && rel_y <= top) {
                // Clothes: warmest at the collar, faint folds (a triangle wave), the arms a little cooler.
                const double collar = std::max(0.0, 1.0 - (top - rel_y) / 0.15);
                const double u = rel_x * 7.2 + look.fold_phase + 100.0;  // positive, so truncation is floor
                const double fold = 4 * std::abs(u - static_cast<int>(u) - 0.5) - 1;
                row[x] = static_cast<float>(look.clothes_c + 1.2 * collar * collar + 0.3 * fold - 0.6 * smoothstep(0.6 * sh, sh, ax));
                own[x] = owner_id;
            } else if (ax < neck_hw && rel_y > -0.22 * s) {
                row[x] = static_cast<float>(neck_c);
                own[x] = owner_id;
            }
        }
    }
    return roi;
}

cv::Rect PersonRenderer::draw_hood(const PersonModel& person, const PersonState& state, std::uint16_t owner_id,
                                   cv::Mat& canvas_c, cv::Mat& owner) const {
    const PersonLook& look = person.look();
    const double s = look.scale;
    const double plane_z = state.head_center[2] + 0.03;
    const double cx = state.head_center[0], cy = state.eye_y + 0.012 * s;
    const double rx = kHalfWidth * s + 0.03, ry = kHalfHeight * s + 0.028;
    const cv::Rect roi = project_box({{cx - rx, cy - ry, plane_z}, {cx + rx, cy + ry, plane_z}}) &
                         cv::Rect(0, 0, canvas_c.cols, canvas_c.rows);
    const double inv_ss = 1.0 / camera_.supersample();
    const float hood = static_cast<float>(look.headwear_c);
    for (int y = roi.y; y < roi.y + roi.height; ++y) {
        auto* row = canvas_c.ptr<float>(y);
        auto* own = owner.ptr<std::uint16_t>(y);
        const cv::Vec3d d0 = camera_.ray(0.0, (y + 0.5) * inv_ss);
        const double t = plane_z / d0[2];
        const double dy = (t * d0[1] - cy) / ry;
        for (int x = roi.x; x < roi.x + roi.width; ++x) {
            const double dx = (t * ((x + 0.5) * inv_ss - camera_.center_u()) / camera_.focal_px() - cx) / rx;
            if (dx * dx + dy * dy <= 1) {
                row[x] = hood;
                own[x] = owner_id;
            }
        }
    }
    return roi;
}

cv::Rect PersonRenderer::draw_head(const PersonModel& person, const PersonState& state, std::uint16_t owner_id,
                                   cv::Mat& canvas_c, cv::Mat& owner, PersonDrawing& drawing) const {
    const double s = person.look().scale;
    const cv::Vec3d& c = state.head_center;
    const cv::Matx33d head_to_world = state.world_to_head.t();
    const auto corners = [&](cv::Vec3d lo, cv::Vec3d hi) {
        std::vector<cv::Vec3d> points;
        for (int i = 0; i < 8; ++i)
            points.push_back(c + head_to_world * cv::Vec3d(i & 1 ? hi[0] : lo[0], i & 2 ? hi[1] : lo[1], i & 4 ? hi[2] : lo[2]));
        return points;
    };
    const double m = 0.006;
    const cv::Rect roi = project_box(corners({-(kHalfWidth + m) * s, -(kHalfHeight + m) * s, -(kHalfDepth + m) * s},
                                             {(kHalfWidth + m) * s, (kHalfHeight + m) * s, (kNoseCenterZ + kNoseHalfZ + m) * s}));
    const cv::Rect nose_roi = project_box(corners({-(kNoseHalfX + m) * s, (kNoseCenterY - kNoseHalfY - m) * s, (kNoseCenterZ - kNoseHalfZ) * s},
                                                  {(kNoseHalfX + m) * s, (kNoseCenterY + kNoseHalfY + m) * s, (kNoseCenterZ + kNoseHalfZ + m) * s}));
    const cv::Rect canvas_rect(0, 0, canvas_c.cols, canvas_c.rows);

    const cv::Matx33d& w = state.world_to_head;
    const cv::Vec3d hx = w * camera_.axis_x(), hy = w * camera_.axis_y(), hz = w * camera_.axis_z();
    const cv::Vec3d origin = w * (-c);  // the lens, in head coordinates
    const double view_yaw = std::atan2(origin[0], origin[2]);
    const HeadShading shade(person, state, view_yaw);

    const cv::Vec3d inv_head(1 / (kHalfWidth * s), 1 / (kHalfHeight * s), 1 / (kHalfDepth * s));
    const cv::Vec3d inv_nose(1 / (kNoseHalfX * s), 1 / (kNoseHalfY * s), 1 / (kNoseHalfZ * s));
    const cv::Vec3d nose_center(0, kNoseCenterY * s, kNoseCenterZ * s);
    const cv::Vec3d oh = mul(origin, inv_head), on = mul(origin - nose_center, inv_nose);
    const double oh_c = oh.dot(oh) - 1, on_c = on.dot(on) - 1;

    const double inv_ss = 1.0 / camera_.supersample(), f = camera_.focal_px();
    int fx0 = std::numeric_limits<int>::max(), fy0 = fx0, fx1 = std::numeric_limits<int>::min(), fy1 = fx1;
    for (int y = roi.y; y < roi.y + roi.height; ++y) {
        const double yn = ((y + 0.5) * inv_ss - camera_.center_v()) / f;
        const bool row_inside = y >= 0 && y < canvas_c.rows;
        float* row = row_inside ? canvas_c.ptr<float>(y) : nullptr;
        std::uint16_t* own = row_inside ? owner.ptr<std::uint16_t>(y) : nullptr;
        const cv::Vec3d row_dir = hz - yn * hy;
        for (int x = roi.x; x < roi.x + roi.width; ++x) {
            const double xn = ((x + 0.5) * inv_ss - camera_.center_u()) / f;
            const cv::Vec3d d = row_dir + xn * hx;
            double t = unit_sphere_hit(oh, mul(d, inv_head), oh_c);
            const double tn = nose_roi.contains({x, y}) ? unit_sphere_hit(on, mul(d, inv_nose), on_c)
                                                        : std::numeric_limits<double>::infinity();
            const bool nose = tn < t;
            if (nose) t = tn;
            if (!std::isfinite(t)) continue;
            const cv::Vec3d h = (origin + t * d) * (1.0 / s);
            const bool face = nose || (h[2] > 0 && h[1] <= kFaceTop && h[1] >= -kHalfHeight - 0.01);
            if (face) {
                ++drawing.face_pixels;
                fx0 = std::min(fx0, x), fx1 = std::max(fx1, x), fy0 = std::min(fy0, y), fy1 = std::max(fy1, y);
            }
            if (!row_inside || x < 0 || x >= canvas_c.cols) continue;
            const HeadShading::Shade shaded = shade(h[0], h[1], h[2], nose);
            row[x] = shaded.celsius;
            own[x] = static_cast<std::uint16_t>(owner_id | (face ? kFaceBit | shaded.canthus_bits : 0));
        }
    }
    if (drawing.face_pixels > 0) drawing.face_ss = cv::Rect(fx0, fy0, fx1 - fx0 + 1, fy1 - fy0 + 1);
    return roi & canvas_rect;
}

cv::Rect PersonRenderer::draw_cup(const PersonModel& person, const PersonState& state, std::uint16_t owner_id,
                                  cv::Mat& canvas_c, cv::Mat& owner) const {
    const PersonLook& look = person.look();
    const cv::Vec3d& c = state.cup_center;
    const double hw = 0.04, hh = 0.05;
    const cv::Rect roi = project_box({{c[0] - hw - 0.02, c[1] - hh - 0.02, c[2]}, {c[0] + hw + 0.02, c[1] + hh + 0.02, c[2]}}) &
                         cv::Rect(0, 0, canvas_c.cols, canvas_c.rows);
    const double inv_ss = 1.0 / camera_.supersample();
    const double hand_x = c[0] - look.drink_side * 0.005, hand_y = c[1] - 0.018;
    for (int y = roi.y; y < roi.y + roi.height; ++y) {
        auto* row = canvas_c.ptr<float>(y);
        auto* own = owner.ptr<std::uint16_t>(y);
        const cv::Vec3d d0 = camera_.ray(0.0, (y + 0.5) * inv_ss);
        const double t = c[2] / d0[2];
        const double wy = t * d0[1];
        for (int x = roi.x; x < roi.x + roi.width; ++x) {
            const double wx = t * ((x + 0.5) * inv_ss - camera_.center_u()) / camera_.focal_px();
            const double hx = (wx - hand_x) / 0.052, hy = (wy - hand_y) / 0.033;
            if (hx * hx + hy * hy <= 1) {
                row[x] = static_cast<float>(look.hand_c);
                own[x] = owner_id;
            } else if (std::abs(wx - c[0]) <= hw && std::abs(wy - c[1]) <= hh) {
                row[x] = static_cast<float>(wy > c[1] + hh - 0.01 ? look.cup_c - 8.0 : look.cup_c);  // the lid is cooler
                own[x] = owner_id;
            }
        }
    }
    return roi;
}

}  // namespace gate_scene
