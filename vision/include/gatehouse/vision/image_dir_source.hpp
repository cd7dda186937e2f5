#pragma once
// Replay of a directory of 16-bit radiometric images (what `gatehouse synth` writes, or frames exported from a
// camera tool).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "gatehouse/vision/frame_source.hpp"

namespace gatehouse::vision {

/// Frames from the single-channel 16-bit PNG and TIFF files (.png, .tif, .tiff, any letter case) of one
/// directory, in byte-wise file-name order (so name frames with zero-padded numbers), at a fixed frame rate:
/// frame i has time_ms = round(i * 1000 / fps). Other files (e.g. truth.json) are ignored. A file that does not
/// decode, is not 16-bit single-channel, or differs in size from the first frame gives FrameError naming it;
/// the next call moves on to the following file. Not thread-safe.
class ImageDirSource final : public FrameSource {
public:
    /// Lists the directory. Throws SourceUnavailable if it is missing, not a directory or holds no PNG/TIFF
    /// files, std::invalid_argument if fps is not a positive finite number.
    ImageDirSource(const std::filesystem::path& directory, double fps);

    std::optional<Frame> next() override;
    double fps() const override { return fps_; }
    /// "dir:" followed by the directory path.
    std::string describe() const override;

    /// The image files that will be played, in order.
    const std::vector<std::filesystem::path>& files() const noexcept { return files_; }

private:
    std::string description_;
    double fps_;
    std::vector<std::filesystem::path> files_;
    std::size_t next_file_ = 0;
    cv::Size frame_size_;  ///< Size of the first frame that decoded; every later frame must match it.
};

}  // namespace gatehouse::vision
