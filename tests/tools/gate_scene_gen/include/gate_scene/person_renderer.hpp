#pragma once
// Draws one person into the supersampled canvas: body and neck, hood, the head (an ellipsoid with a nose, ray
// cast per pixel, so turning and nodding change what is seen), and a hot drink. Marks the pixels it owns.
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "gate_scene/camera_model.hpp"
#include "gate_scene/person_model.hpp"

namespace gate_scene {

/// Owner marks in the supersampled owner image: person index + 1 (at most kMaxPeople), with kFaceBit on the
/// face's pixels and kCanthusBit (plus kRightCanthusBit on the +x side) where an inner canthus shows.
inline constexpr std::uint16_t kFaceBit = 0x8000;
inline constexpr std::uint16_t kCanthusBit = 0x4000;
inline constexpr std::uint16_t kRightCanthusBit = 0x2000;
inline constexpr std::uint16_t kOwnerMask = 0x1fff;
inline constexpr std::uint16_t kPlateOwner = 0x1fff;
inline constexpr int kMaxPeople = 0x1ffe;

/// What drawing one person produced.
struct PersonDrawing {
    std::vector<cv::Rect> touched;  ///< Supersampled rectangles written (clipped to the canvas).
    int face_pixels = 0;            ///< Supersampled face pixels of the whole face, inside the frame or not.
    cv::Rect face_ss;               ///< Bounding box of those pixels (supersampled, not clipped).
};

class PersonRenderer {
public:
    explicit PersonRenderer(const CameraModel& camera) : camera_(camera) {}

    PersonDrawing draw(const PersonModel& person, const PersonState& state, std::uint16_t owner_id, cv::Mat& canvas_c,
                       cv::Mat& owner) const;

private:
    cv::Rect draw_body(const PersonModel& person, const PersonState& state, std::uint16_t owner_id, cv::Mat& canvas_c,
                       cv::Mat& owner) const;
    cv::Rect draw_hood(const PersonModel& person, const PersonState& state, std::uint16_t owner_id, cv::Mat& canvas_c,
                       cv::Mat& owner) const;
    cv::Rect draw_head(const PersonModel& person, const PersonState& state, std::uint16_t owner_id, cv::Mat& canvas_c,
                       cv::Mat& owner, PersonDrawing& drawing) const;
    cv::Rect draw_cup(const PersonModel& person, const PersonState& state, std::uint16_t owner_id, cv::Mat& canvas_c,
                      cv::Mat& owner) const;
    /// Supersampled pixel rectangle around world points (not clipped).
    cv::Rect project_box(const std::vector<cv::Vec3d>& points) const;

    const CameraModel& camera_;
};

}  // namespace gate_scene
