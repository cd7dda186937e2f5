#include "gate_scene/reference_plate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "gate_scene/random.hpp"

namespace gate_scene {
namespace {

constexpr double kWanderPeriod_s = 23.0;

}  // namespace

ReferencePlate::ReferencePlate(const ReferenceSpec& spec, double room_c, int supersample, std::uint64_t seed)
    : spec_(spec), room_c_(room_c), ss_(supersample) {
    Random random(seed, "reference");
    wander_phase_ = random.uniform(0, 2 * std::numbers::pi);
    const cv::Rect2d b = bounds();
    for (int y = static_cast<int>(std::floor(b.y * ss_)); y < static_cast<int>(std::ceil((b.y + b.height) * ss_)); ++y)
        for (int x = static_cast<int>(std::floor(b.x * ss_)); x < static_cast<int>(std::ceil((b.x + b.width) * ss_)); ++x)
            if (inside_plate((x + 0.5) / ss_, (y + 0.5) / ss_)) ++plate_pixels_;
}

double ReferencePlate::physical_c(double t) const {
    return spec_.set_c + spec_.stability_c * std::sin(2 * std::numbers::pi * t / kWanderPeriod_s + wander_phase_);
}

double ReferencePlate::apparent_c(double t) const {
    // Radiance is close to linear in temperature over this span: the camera solves
    //   e_set * (T_read - T_room) = e_plate * (T_plate - T_room).
    return room_c_ + spec_.emissivity / kCameraEmissivitySetting * (physical_c(t) - room_c_);
}

double ReferencePlate::apparent_mean_c() const {
    return room_c_ + spec_.emissivity / kCameraEmissivitySetting * (spec_.set_c - room_c_);
}

cv::Rect2d ReferencePlate::bounds() const {
    const double half = spec_.size_px / 2;
    return {spec_.center_x - half, spec_.center_y - half, spec_.size_px, spec_.size_px};
}

cv::Rect ReferencePlate::outline() const {
    const cv::Rect2d b = bounds();
    const int x0 = static_cast<int>(std::floor(b.x + 1e-9)), y0 = static_cast<int>(std::floor(b.y + 1e-9));
    const int x1 = static_cast<int>(std::ceil(b.x + b.width - 1e-9)), y1 = static_cast<int>(std::ceil(b.y + b.height - 1e-9));
    return {x0, y0, x1 - x0, y1 - y0};
}

cv::Rect ReferencePlate::core_rect(double blur_sigma_px) const {
    // Keep 2.5 sigma of blur (and half a pixel of sampling) away from the rim.
    const double margin = 2.5 * blur_sigma_px + 0.5;
    const double half = spec_.size_px / 2;
    const double side = spec_.shape == PlateShape::round ? 2 * (half - margin) / std::sqrt(2.0) : 2 * (half - margin);
    const int n = std::max(2, static_cast<int>(std::floor(side)));
    return {static_cast<int>(std::lround(spec_.center_x - n / 2.0)), static_cast<int>(std::lround(spec_.center_y - n / 2.0)), n, n};
}

cv::Rect ReferencePlate::given_rect() const {
    cv::Rect r = outline();
    switch (spec_.given) {
        case GivenAs::shifted: r += cv::Point(spec_.shift_x, spec_.shift_y); break;
        case GivenAs::larger:
            r = {r.x - spec_.margin_px, r.y - spec_.margin_px, r.width + 2 * spec_.margin_px, r.height + 2 * spec_.margin_px};
            break;
        default: break;
    }
    return r;
}

std::string ReferencePlate::blackbody_argument() const {
    char temperature[32];
    std::snprintf(temperature, sizeof temperature, "%.1f", spec_.set_c);
    if (spec_.given == GivenAs::auto_find) return std::string("auto@") + temperature;
    const cv::Rect r = given_rect();
    const std::string rect = std::to_string(r.x) + "," + std::to_string(r.y) + "," + std::to_string(r.width) + "," +
                             std::to_string(r.height) + "@" + temperature;
    return spec_.given == GivenAs::circle ? "circle:" + rect : rect;
}

cv::Rect2d ReferencePlate::housing_bounds() const {
    const cv::Rect2d b = bounds();
    if (!spec_.housing) return b;
    const double border = std::max(1.5, spec_.size_px * 0.25);
    return {b.x - border, b.y - border, b.width + 2 * border, b.height + 2 * border};
}

bool ReferencePlate::inside_plate(double u, double v) const {
    const double dx = u - spec_.center_x, dy = v - spec_.center_y, half = spec_.size_px / 2;
    if (spec_.shape == PlateShape::round) return dx * dx + dy * dy <= half * half;
    return std::abs(dx) <= half && std::abs(dy) <= half;
}

cv::Rect ReferencePlate::draw(cv::Mat& canvas_c, cv::Mat& owner, double t, std::uint16_t owner_id) const {
    const cv::Rect2d h = housing_bounds();
    cv::Rect area(static_cast<int>(std::floor(h.x * ss_)), static_cast<int>(std::floor(h.y * ss_)),
                  static_cast<int>(std::ceil((h.x + h.width) * ss_)) - static_cast<int>(std::floor(h.x * ss_)),
                  static_cast<int>(std::ceil((h.y + h.height) * ss_)) - static_cast<int>(std::floor(h.y * ss_)));
    area &= cv::Rect(0, 0, canvas_c.cols, canvas_c.rows);
    const float plate = static_cast<float>(apparent_c(t));
    for (int y = area.y; y < area.y + area.height; ++y) {
        auto* row = canvas_c.ptr<float>(y);
        auto* own = owner.ptr<std::uint16_t>(y);
        const double v = (y + 0.5) / ss_;
        for (int x = area.x; x < area.x + area.width; ++x) {
            const double u = (x + 0.5) / ss_;
            if (inside_plate(u, v)) {
                row[x] = plate;
                own[x] = owner_id;
            } else if (spec_.housing) {
                // The casing is warmed by the heater: warmer next to the plate.
                const double d = std::max(std::abs(u - spec_.center_x), std::abs(v - spec_.center_y)) - spec_.size_px / 2;
                row[x] = static_cast<float>(room_c_ + 1.0 + 1.5 * std::exp(-std::max(0.0, d) / 1.5));
                own[x] = 0;
            }
        }
    }
    return area;
}

}  // namespace gate_scene
