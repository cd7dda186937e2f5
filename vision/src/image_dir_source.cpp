#include "gatehouse/vision/image_dir_source.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <system_error>

#include <opencv2/imgcodecs.hpp>

namespace gatehouse::vision {
namespace {

bool is_frame_image(const std::filesystem::path& file) {
    std::string extension = file.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return extension == ".png" || extension == ".tif" || extension == ".tiff";
}

std::string describe_type(const cv::Mat& image) {
    static constexpr const char* depth_names[] = {"8-bit unsigned", "8-bit signed", "16-bit unsigned",
                                                  "16-bit signed",  "32-bit integer", "32-bit float",
                                                  "64-bit float",   "16-bit float"};
    const int depth = image.depth();
    const std::string depth_name = (depth >= 0 && depth < 8) ? depth_names[depth] : "unknown-depth";
    return depth_name + " with " + std::to_string(image.channels()) + " channel(s)";
}

}  // namespace

ImageDirSource::ImageDirSource(const std::filesystem::path& directory, double fps)
    : description_("dir:" + directory.string()), fps_(fps) {
    if (!std::isfinite(fps) || fps <= 0.0) {
        throw std::invalid_argument(description_ + ": fps must be a positive number");
    }
    std::error_code error;
    if (!std::filesystem::is_directory(directory, error)) {
        throw SourceUnavailable(description_ + ": no such directory");
    }
    try {
        for (const auto& entry : std::filesystem::directory_iterator(directory)) {
            std::error_code type_error;
            if (entry.is_regular_file(type_error) && is_frame_image(entry.path())) {
                files_.push_back(entry.path());
            }
        }
    } catch (const std::filesystem::filesystem_error& e) {
        throw SourceUnavailable(description_ + ": cannot list the directory: " + e.code().message());
    }
    if (files_.empty()) {
        throw SourceUnavailable(description_ + ": no PNG or TIFF frames in the directory");
    }
    std::sort(files_.begin(), files_.end(),
              [](const auto& a, const auto& b) { return a.filename().string() < b.filename().string(); });
}

std::string ImageDirSource::describe() const {
    return description_;
}

std::optional<Frame> ImageDirSource::next() {
    if (next_file_ >= files_.size()) {
        return std::nullopt;
    }
    // Advance first, so that a bad file is reported once and the following call moves on.
    const std::size_t index = next_file_++;
    const std::filesystem::path& file = files_[index];
    const std::string where =
        description_ + ": frame " + std::to_string(index) + " (" + file.filename().string() + "): ";

    cv::Mat image;
    try {
        image = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        throw FrameError(where + "cannot decode the image: " + e.what());
    }
    if (image.empty()) {
        throw FrameError(where + "cannot read or decode the image");
    }
    if (image.type() != CV_16UC1) {
        throw FrameError(where + "expected a 16-bit single-channel image, got " + describe_type(image));
    }
    if (frame_size_.empty()) {
        frame_size_ = image.size();
    } else if (image.size() != frame_size_) {
        throw FrameError(where + "size " + std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                         " differs from the first frame's " + std::to_string(frame_size_.width) + "x" +
                         std::to_string(frame_size_.height));
    }

    Frame frame;
    frame.raw = image;
    frame.index = static_cast<std::int64_t>(index);
    frame.time_ms = std::llround(static_cast<double>(index) * 1000.0 / fps_);
    return frame;
}

}  // namespace gatehouse::vision
