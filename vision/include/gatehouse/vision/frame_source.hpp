#pragma once
// The one interface every frame source (V4L2 camera, image directory, CPTV file, synthetic scene) implements.
#include <optional>
#include <stdexcept>
#include <string>

#include "gatehouse/vision/frame.hpp"

namespace gatehouse::vision {

/// Thrown for input that cannot be decoded (bad PNG, bad CPTV block, wrong size or depth). The message names
/// the source and the frame. Sources throw it from next(); callers decide whether to skip, stop or reopen.
class FrameError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Thrown when a source cannot be opened at all (missing device, missing file or directory).
class SourceUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A stream of raw frames. Not thread-safe: one pipeline thread owns a source.
class FrameSource {
public:
    virtual ~FrameSource() = default;
    /// The next frame, or std::nullopt at the end of a finite source. Throws FrameError for a corrupt frame
    /// (the source stays usable: the following call moves on to the next frame where the format allows it).
    virtual std::optional<Frame> next() = 0;
    /// Nominal frames per second (from the file, the device or the configuration).
    virtual double fps() const = 0;
    /// Human-readable description for logs and errors, e.g. "cptv:/path/file.cptv".
    virtual std::string describe() const = 0;
};

}  // namespace gatehouse::vision
