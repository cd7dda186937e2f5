#include "gatehouse/vision/radiometry.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace gatehouse::vision {
namespace {

constexpr double centikelvin_gain = 0.01;
constexpr double kelvin_to_celsius = -273.15;

}  // namespace

Radiometry Radiometry::centikelvin() {
    return Radiometry(RadiometricUnits::centikelvin, centikelvin_gain, kelvin_to_celsius);
}

Radiometry Radiometry::linear(double gain, double offset) {
    // A zero gain would make every pixel the same temperature and the inverse undefined.
    if (!std::isfinite(gain) || !std::isfinite(offset) || gain == 0.0) {
        throw std::invalid_argument("radiometry: linear units need a finite non-zero gain and a finite offset");
    }
    return Radiometry(RadiometricUnits::linear, gain, offset);
}

RadiometricUnits Radiometry::parse_units(std::string_view name) {
    if (name == "centikelvin") {
        return RadiometricUnits::centikelvin;
    }
    if (name == "linear") {
        return RadiometricUnits::linear;
    }
    throw std::invalid_argument("radiometry: unknown units '" + std::string(name) +
                                "' (expected centikelvin or linear)");
}

std::string Radiometry::units_name(RadiometricUnits units) {
    return units == RadiometricUnits::linear ? "linear" : "centikelvin";
}

void Radiometry::to_celsius(const cv::Mat& raw, cv::Mat& celsius) const {
    if (raw.type() != CV_16UC1) {
        throw std::invalid_argument("radiometry: expected a CV_16UC1 raw image, got type " +
                                    std::to_string(raw.type()));
    }
    raw.convertTo(celsius, CV_32F, gain_, offset_);
}

cv::Mat Radiometry::to_celsius(const cv::Mat& raw) const {
    cv::Mat celsius;
    to_celsius(raw, celsius);
    return celsius;
}

cv::Mat Radiometry::to_celsius(const cv::Mat& raw, const cv::Rect& roi) const {
    // 64-bit sums, so that a hostile rectangle cannot wrap around into the image.
    if (roi.x < 0 || roi.y < 0 || roi.width < 0 || roi.height < 0 ||
        static_cast<std::int64_t>(roi.x) + roi.width > raw.cols ||
        static_cast<std::int64_t>(roi.y) + roi.height > raw.rows) {
        throw std::out_of_range("radiometry: region outside the image");
    }
    return to_celsius(raw(roi));
}

cv::Mat Radiometry::to_raw(const cv::Mat& celsius) const {
    if (celsius.channels() != 1) {
        throw std::invalid_argument("radiometry: expected a single-channel Celsius image");
    }
    cv::Mat raw;
    // convertTo rounds to nearest and saturates, which is what a sensor's ADC does at its limits.
    celsius.convertTo(raw, CV_16U, 1.0 / gain_, -offset_ / gain_);
    return raw;
}

}  // namespace gatehouse::vision
