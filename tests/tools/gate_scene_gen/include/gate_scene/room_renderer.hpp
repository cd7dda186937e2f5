#pragma once
// The static room behind the people: ceiling, back wall and floor seen in perspective, the walls' gradient and
// texture, and the room's objects (doors, posters, windows, monitors, radiators, lamps, sunlit floor, signs).
#include <cstdint>

#include <opencv2/core.hpp>

#include "gate_scene/camera_model.hpp"
#include "gate_scene/scenario.hpp"

namespace gate_scene {

/// Renders the room once, at the supersampled resolution (°C as the camera reads it, CV_32F).
cv::Mat render_room(const CameraModel& camera, const CameraSpec& camera_spec, const RoomSpec& room, std::uint64_t seed);

}  // namespace gate_scene
