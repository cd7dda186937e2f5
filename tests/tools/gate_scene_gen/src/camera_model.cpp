#include "gate_scene/camera_model.hpp"

#include <cmath>
#include <numbers>

namespace gate_scene {

CameraModel::CameraModel(const CameraSpec& spec)
    : width_(spec.width),
      height_(spec.height),
      ss_(spec.supersample),
      // A 15 cm face at the mark is face_px_at_mark wide.
      focal_(spec.face_px_at_mark * spec.mark_distance_m / 0.15) {
    const double p = spec.pitch_deg * std::numbers::pi / 180.0;
    axis_x_ = {1, 0, 0};
    axis_y_ = {0, std::cos(p), std::sin(p)};
    axis_z_ = {0, -std::sin(p), std::cos(p)};
}

cv::Vec3d CameraModel::to_camera(const cv::Vec3d& w) const { return {w.dot(axis_x_), w.dot(axis_y_), w.dot(axis_z_)}; }

cv::Vec3d CameraModel::to_world_direction(const cv::Vec3d& c) const { return c[0] * axis_x_ + c[1] * axis_y_ + c[2] * axis_z_; }

cv::Point2d CameraModel::project(const cv::Vec3d& world) const {
    const cv::Vec3d c = to_camera(world);
    const double z = std::max(c[2], 1e-3);
    return {center_u() + focal_ * c[0] / z, center_v() - focal_ * c[1] / z};
}

cv::Vec3d CameraModel::ray(double u, double v) const {
    return ((u - center_u()) / focal_) * axis_x_ - ((v - center_v()) / focal_) * axis_y_ + axis_z_;
}

double CameraModel::half_view_width(double z) const { return z * center_u() / focal_; }

}  // namespace gate_scene
