#include "false_colour.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include <opencv2/imgproc.hpp>

namespace gatehouse::tools {
namespace {

constexpr double kelvin_offset = 273.15;
constexpr double kelvin_per_count = 0.01;

constexpr std::array<std::pair<const char*, int>, 4> colormaps{{
    {"inferno", cv::COLORMAP_INFERNO},
    {"turbo", cv::COLORMAP_TURBO},
    {"jet", cv::COLORMAP_JET},
    {"grey", -1},
}};

int colormap_by_name(const std::string& name) {
    for (const auto& [known, id] : colormaps) {
        if (name == known) return id;
    }
    throw std::invalid_argument("unknown colour map '" + name + "' (known: " + FalseColour::names() + ")");
}

}  // namespace

double celsius_from_raw(double raw) noexcept { return raw * kelvin_per_count - kelvin_offset; }
double raw_from_celsius(double celsius) noexcept { return (celsius + kelvin_offset) / kelvin_per_count; }

FalseColour::FalseColour(double low_c, double high_c, const std::string& colormap)
    : low_c_(low_c), high_c_(high_c), colormap_(colormap_by_name(colormap)) {
    if (!(low_c < high_c)) {
        char text[96];
        std::snprintf(text, sizeof text, "temperature scale %.2f..%.2f °C is empty: the low end must be below the high",
                      low_c, high_c);
        throw std::invalid_argument(text);
    }
}

std::string FalseColour::names() {
    std::string out;
    for (const auto& [name, id] : colormaps) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out;
}

cv::Mat FalseColour::paint(const cv::Mat& raw) const {
    CV_Assert(raw.type() == CV_16UC1);
    // 8-bit level = (raw - raw_low) * 255 / (raw_high - raw_low), saturated by convertTo.
    const double raw_low = raw_from_celsius(low_c_);
    const double gain = 255.0 / (raw_from_celsius(high_c_) - raw_low);
    cv::Mat level;
    raw.convertTo(level, CV_8UC1, gain, -raw_low * gain);
    cv::Mat colour;
    if (colormap_ < 0) {
        cv::cvtColor(level, colour, cv::COLOR_GRAY2BGR);
    } else {
        cv::applyColorMap(level, colour, colormap_);
    }
    return colour;
}

cv::Mat FalseColour::colour_bar(int width, int height) const {
    constexpr int label_height = 18;
    cv::Mat bar(height + label_height, width, CV_8UC3, cv::Scalar::all(0));
    cv::Mat ramp(1, width, CV_16UC1);
    for (int x = 0; x < width; ++x) {
        const double celsius = low_c_ + (high_c_ - low_c_) * x / std::max(1, width - 1);
        ramp.at<std::uint16_t>(0, x) = cv::saturate_cast<std::uint16_t>(raw_from_celsius(celsius));
    }
    cv::Mat painted = paint(ramp);
    cv::resize(painted, bar(cv::Rect(0, 0, width, height)), cv::Size(width, height), 0, 0, cv::INTER_NEAREST);

    // Ticks on whole degrees at a step that leaves room for the labels.
    const double span = high_c_ - low_c_;
    double step = 1;
    for (double candidate : {1.0, 2.0, 5.0, 10.0, 20.0, 50.0}) {
        step = candidate;
        if (span / candidate * 48 <= width) break;
    }
    for (double t = std::ceil(low_c_ / step) * step; t <= high_c_ + 1e-9; t += step) {
        const int x = static_cast<int>(std::lround((t - low_c_) / span * (width - 1)));
        cv::line(bar, {x, height - 6}, {x, height + 3}, cv::Scalar::all(255), 1);
        char text[16];
        std::snprintf(text, sizeof text, "%g", t);
        int baseline = 0;
        const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, 0.4, 1, &baseline);
        const int left = std::clamp(x - size.width / 2, 0, std::max(0, width - size.width));
        cv::putText(bar, text, {left, height + label_height - 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4,
                    cv::Scalar::all(255), 1, cv::LINE_AA);
    }
    return bar;
}

}  // namespace gatehouse::tools
