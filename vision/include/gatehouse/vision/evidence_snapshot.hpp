#pragma once
// The false-colour evidence picture of a screening.
#include <filesystem>
#include <optional>
#include <string>

#include <opencv2/core.hpp>

#include "gatehouse/vision/orientation.hpp"
#include "gatehouse/vision/radiometry.hpp"
#include "gatehouse/vision/screening.hpp"

namespace gatehouse::vision {

/// Renders the deciding frame upright in false colour (a fixed 20–40 °C scale, so pictures compare), draws
/// the head box (red: elevated, yellow: uncertain, green: normal) and a caption, and writes it as JPEG (mode 0600).
/// Evidence is never overwritten: when `file` exists, "-2", "-3", ... is added before the extension. Returns the
/// path written, or nullopt when no file could be written. Runs only when a verdict is made, so it may allocate.
std::optional<std::filesystem::path> write_evidence_snapshot(const std::filesystem::path& file, const cv::Mat& raw, const Radiometry& radiometry,
                             const Orientation& orientation, double offset_celsius, const cv::Rect& head_source,
                             Verdict verdict, const std::string& caption);

}  // namespace gatehouse::vision
