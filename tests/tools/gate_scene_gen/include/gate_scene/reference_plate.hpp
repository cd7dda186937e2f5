#pragma once
// The heated reference plate: its true geometry, what the camera reads on it, how it is drawn, and how the
// installer hands it to the pipeline (the --blackbody argument).
#include <string>

#include <opencv2/core.hpp>

#include "gate_scene/scenario.hpp"

namespace gate_scene {

/// The camera's radiometric conversion assumes skin: emissivity 0.98, reflected temperature = the room. Skin
/// therefore reads its true temperature; the plate (emissivity usually 0.97) reads slightly less than its set point.
inline constexpr double kCameraEmissivitySetting = 0.98;

class ReferencePlate {
public:
    ReferencePlate(const ReferenceSpec& spec, double room_c, int supersample, std::uint64_t seed);

    /// The plate's physical temperature at time t (its set point plus a slow wander within its stability).
    double physical_c(double t) const;
    /// What an ideal camera reads on the plate at time t (emissivity and reflection included; no vignetting).
    double apparent_c(double t) const;
    /// apparent_c without the wander: what the plate reads on average.
    double apparent_mean_c() const;

    /// The plate's true outline in frame pixels (fractional).
    cv::Rect2d bounds() const;
    /// The installer's rectangle around the plate's outline, rim included (whole pixels), before any error.
    cv::Rect outline() const;
    /// The rectangle handed to the pipeline (shifted or enlarged as the scenario says).
    cv::Rect given_rect() const;
    /// Whole pixels well inside the plate, untouched by its blurred rim (at least 2 x 2): where it reads its own
    /// temperature through optics of this blur.
    cv::Rect core_rect(double blur_sigma_px) const;
    /// The --blackbody argument: "X,Y,W,H@C", "circle:X,Y,W,H@C" or "auto@C".
    std::string blackbody_argument() const;
    /// The rectangle of the housing (or of the plate when there is none), frame pixels, for occlusion and drawing.
    cv::Rect2d housing_bounds() const;

    /// Draws housing and plate at time t into the supersampled canvas; marks the plate's pixels in `owner`.
    /// Returns the supersampled rectangle it touched.
    cv::Rect draw(cv::Mat& canvas_c, cv::Mat& owner, double t, std::uint16_t owner_id) const;
    /// Number of supersampled pixels of the plate itself (the denominator of its visible fraction).
    int plate_pixel_count() const { return plate_pixels_; }

    const ReferenceSpec& spec() const { return spec_; }

private:
    bool inside_plate(double u, double v) const;

    ReferenceSpec spec_;
    double room_c_;
    int ss_;
    double wander_phase_;
    int plate_pixels_ = 0;
};

}  // namespace gate_scene
