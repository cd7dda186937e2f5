#pragma once
// A picture of one frame with what the pipeline found drawn on it (`gatehouse screen --render DIR`).
#include <filesystem>
#include <vector>

#include <opencv2/core.hpp>

#include "gatehouse/vision/frame_explanation.hpp"
#include "gatehouse/vision/orientation.hpp"
#include "gatehouse/vision/radiometry.hpp"
#include "gatehouse/vision/screening.hpp"

namespace gatehouse::vision {

/// The frame upright in false colour (fixed 18–40 °C scale after the reference correction, enlarged to at
/// least 480 px wide), with the reference core (cyan), outlines rejected as heads (grey, with the rule), each
/// track (white while approaching, blue while measuring, grey once its person is screened; track and person
/// ids, reading or reason) and the screenings decided in this frame (green normal, red elevated, yellow
/// uncertain, with the verdict). A caption line says frame, time, reference and room level.
cv::Mat render_explained_frame(const cv::Mat& raw, const Radiometry& radiometry, const Orientation& orientation,
                               const FrameExplanation& explanation, const std::vector<Screening>& decided);

/// Writes render_explained_frame() as PNG `frame_NNNNNN.png` (frame index) into `directory`, which is created
/// when missing. Returns false when the file could not be written.
bool write_explained_frame(const std::filesystem::path& directory, const cv::Mat& raw, const Radiometry& radiometry,
                           const Orientation& orientation, const FrameExplanation& explanation,
                           const std::vector<Screening>& decided);

}  // namespace gatehouse::vision
