#pragma once
// Conversion between a camera's raw 16-bit counts and degrees Celsius.
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

namespace gatehouse::vision {

/// How a camera's raw counts encode temperature.
enum class RadiometricUnits {
    centikelvin,  ///< TLinear: celsius = value / 100 - 273.15 (FLIR Lepton, most UVC radiometric modules).
    linear,       ///< celsius = gain * value + offset, with gain and offset from the camera's configuration.
};

/// The affine map raw -> Celsius of one camera (both unit kinds are affine), and its inverse. Conversions of
/// whole images are one cv::Mat::convertTo each (scale and shift in a single pass), so they are cheap enough
/// for every frame. Immutable value type; safe to share between threads.
class Radiometry {
public:
    /// Centi-kelvin (the default).
    Radiometry() = default;
    /// The TLinear centi-kelvin encoding.
    static Radiometry centikelvin();
    /// celsius = gain * value + offset. Throws std::invalid_argument if gain is zero or either is not finite.
    static Radiometry linear(double gain, double offset);
    /// Parses "centikelvin" or "linear" (as on the command line); throws std::invalid_argument otherwise.
    static RadiometricUnits parse_units(std::string_view name);
    /// "centikelvin" or "linear".
    static std::string units_name(RadiometricUnits units);

    RadiometricUnits units() const noexcept { return units_; }
    /// Degrees Celsius per raw count.
    double gain() const noexcept { return gain_; }
    /// Degrees Celsius at raw count 0.
    double offset() const noexcept { return offset_; }

    /// Converts a CV_16UC1 image (or a ROI view of one) to CV_32FC1 Celsius in `celsius`, reusing its buffer
    /// when the size already fits. Throws std::invalid_argument for any other input type.
    void to_celsius(const cv::Mat& raw, cv::Mat& celsius) const;
    /// As above, returning a new image.
    cv::Mat to_celsius(const cv::Mat& raw) const;
    /// Converts only `roi` of `raw`; throws std::out_of_range if `roi` is not inside the image.
    cv::Mat to_celsius(const cv::Mat& raw, const cv::Rect& roi) const;
    /// One raw value in Celsius.
    double to_celsius(double raw) const noexcept { return gain_ * raw + offset_; }

    /// The raw value (not rounded) that reads as `celsius`.
    double to_raw(double celsius) const noexcept { return (celsius - offset_) / gain_; }
    /// Converts a single-channel Celsius image (any depth) to CV_16UC1 raw counts, rounded to nearest and
    /// saturated to 0..65535; what a synthetic camera would deliver.
    cv::Mat to_raw(const cv::Mat& celsius) const;

private:
    Radiometry(RadiometricUnits units, double gain, double offset) noexcept
        : units_(units), gain_(gain), offset_(offset) {}

    RadiometricUnits units_ = RadiometricUnits::centikelvin;
    double gain_ = 0.01;
    double offset_ = -273.15;
};

}  // namespace gatehouse::vision
