#pragma once
// What the microbolometer adds to the optical image: fixed pattern (column stripes, per-pixel offsets),
// vignetting, temporal noise, the slowly drifting offset shared by every pixel, flat-field corrections (the image
// freezes, then the offset steps), and the 16-bit centi-kelvin output.
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "gate_scene/scenario.hpp"

namespace gate_scene {

/// One flat-field correction: frames first_frame..last_frame repeat the frame before first_frame; the offset
/// changes by step_c from the frame after last_frame on.
struct FfcEvent {
    int first_frame = 0;
    int last_frame = 0;
    double step_c = 0;
};

class SensorModel {
public:
    /// With `effects` false the sensor is ideal: no pattern, no noise, no drift, no corrections (for tests).
    SensorModel(const CameraSpec& spec, int frame_count, std::uint64_t seed, bool effects);

    /// The offset every pixel reads at this frame (drift plus the corrections' steps), °C.
    double offset_c(int frame) const { return offsets_[static_cast<std::size_t>(frame)]; }
    /// True while a flat-field correction freezes the image: the frame repeats the previous one.
    bool frozen(int frame) const { return frozen_[static_cast<std::size_t>(frame)]; }
    const std::vector<FfcEvent>& ffc_events() const { return ffc_; }
    /// The static offset (fixed pattern plus vignetting) of one pixel, °C.
    float static_offset_c(int x, int y) const { return static_offset_.at<float>(y, x); }

    /// Adds the sensor's effects for `frame` to the optical image (°C, CV_32F) and writes centi-kelvin (CV_16U).
    void expose(const cv::Mat& optical_c, int frame, cv::Mat& centikelvin) const;

private:
    double fps_;
    double temporal_noise_c_;
    std::uint64_t seed_;
    bool effects_;
    cv::Mat static_offset_;
    std::vector<double> offsets_;
    std::vector<bool> frozen_;
    std::vector<FfcEvent> ffc_;
};

/// °C to the camera's centi-kelvin unit, rounded and clamped to 16 bits.
std::uint16_t to_centikelvin(double celsius);
/// Centi-kelvin back to °C.
double from_centikelvin(std::uint16_t value);

}  // namespace gate_scene
