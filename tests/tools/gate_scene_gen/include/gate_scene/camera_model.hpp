#pragma once
// The camera's geometry: a pinhole at the lens height, tilted down by the pitch, looking along the floor.
// World coordinates (metres): X to the right of the image, Y up from the lens height, Z the horizontal distance
// from the lens. Frame coordinates: pixel i spans [i, i + 1), so the centre of the first pixel is 0.5.
#include <opencv2/core.hpp>

#include "gate_scene/scenario.hpp"

namespace gate_scene {

class CameraModel {
public:
    explicit CameraModel(const CameraSpec& spec);

    int width() const { return width_; }
    int height() const { return height_; }
    int supersample() const { return ss_; }
    double focal_px() const { return focal_; }

    /// World point in camera coordinates (x right, y up, z along the optical axis).
    cv::Vec3d to_camera(const cv::Vec3d& world) const;
    /// Camera-frame direction (x right, y up, z along the axis) back into world coordinates.
    cv::Vec3d to_world_direction(const cv::Vec3d& camera_direction) const;
    /// Frame coordinates of a world point in front of the camera.
    cv::Point2d project(const cv::Vec3d& world) const;
    /// World direction of the ray through frame coordinates (u, v), scaled so its camera z is 1.
    cv::Vec3d ray(double u, double v) const;
    /// The camera's axes in world coordinates.
    const cv::Vec3d& axis_x() const { return axis_x_; }
    const cv::Vec3d& axis_y() const { return axis_y_; }
    const cv::Vec3d& axis_z() const { return axis_z_; }
    /// World X of the image's left/right edge at horizontal distance z and height y (approximately: pitch ignored).
    double half_view_width(double z) const;
    double center_u() const { return width_ / 2.0; }
    double center_v() const { return height_ / 2.0; }

private:
    int width_, height_, ss_;
    double focal_;
    cv::Vec3d axis_x_, axis_y_, axis_z_;
};

}  // namespace gate_scene
