#pragma once
// False colour for radiometric frames: centi-kelvin counts to colour on a fixed Celsius scale, and the colour bar
// that says which colour is which temperature.
#include <string>

#include <opencv2/core.hpp>

namespace gatehouse::tools {

/// Celsius of one raw count of the CPTV recordings (FLIR Lepton 3.5 TLinear: 0.01 K per count).
double celsius_from_raw(double raw) noexcept;
/// The raw count that reads `celsius`.
double raw_from_celsius(double celsius) noexcept;

/// A colour map from a temperature range [low_c, high_c]; temperatures outside it saturate at the ends.
class FalseColour {
public:
    /// Throws std::invalid_argument unless low_c < high_c and `colormap` is one of names().
    FalseColour(double low_c, double high_c, const std::string& colormap);

    /// The colour map names accepted by the constructor, comma separated.
    static std::string names();

    double low_c() const noexcept { return low_c_; }
    double high_c() const noexcept { return high_c_; }

    /// A CV_8UC3 (BGR) image of `raw` (CV_16UC1 centi-kelvin), the same size.
    cv::Mat paint(const cv::Mat& raw) const;
    /// A horizontal colour bar `width` x `height` with the scale's ends and ticks labelled in °C below it.
    cv::Mat colour_bar(int width, int height) const;

private:
    double low_c_;
    double high_c_;
    int colormap_;  ///< cv::ColormapTypes, or -1 for grey.
};

}  // namespace gatehouse::tools
