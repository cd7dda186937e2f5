#pragma once
// Reads the inner-canthus temperature of one head at the source's full resolution.
#include <optional>

#include <opencv2/core.hpp>

#include "gatehouse/vision/orientation.hpp"
#include "gatehouse/vision/radiometry.hpp"

namespace gatehouse::vision {

/// What one frame shows of a face.
struct FaceReading {
    double canthus_celsius = 0;  ///< hottest canthus-sized region around the eyes (corrected)
    double face_celsius = 0;     ///< median of that search region (corrected)
    bool glasses = false;        ///< the eye band is much colder than the cheeks: canthi hidden
    cv::Point hottest;           ///< where the hottest region is (source coordinates)
};

/// Measures inside a head box: only the head's ROI is converted to °C and turned upright (no full frame is
/// rotated or converted), then the eyes are looked for about halfway down the head.
/// The statistic is the maximum of a box mean whose side is ~6 % of the head width (the inner canthus region
/// covers about 4x4 pixels at measuring distance), not a single noisy pixel. Reuses buffers; not thread-safe.
class FaceMeasurement {
public:
    /// `head_oriented` is the head box in full-resolution oriented coordinates; `offset_celsius` is added.
    /// With `skin_celsius` (the skin level, uncorrected), only points with skin at least 20 % of the box's width
    /// to their left and right in their row are canthi (a hot edge is a neighbour's face merged into the box).
    std::optional<FaceReading> measure(const cv::Mat& raw, const Radiometry& radiometry, const Orientation& orientation,
                                       const cv::Rect& head_oriented, double offset_celsius, double glasses_contrast,
                                       std::optional<double> skin_celsius = std::nullopt);

private:
    cv::Mat head_, upright_, smoothed_, inside_;
    std::vector<float> values_;
    std::vector<double> rows_;
};

}  // namespace gatehouse::vision
