#pragma once
// Turns a source specification ("v4l2:/dev/video0", "dir:PATH", "cptv:FILE", "synthetic:NAME|FILE") into a
// FrameSource.
#include <memory>
#include <optional>
#include <string>

#include "gatehouse/vision/frame_source.hpp"

namespace gatehouse::vision {

/// A parsed source specification.
struct SourceSpec {
    enum class Scheme { v4l2, dir, cptv, synthetic };
    Scheme scheme = Scheme::synthetic;
    std::string location;  ///< device, directory, file, or scenario name / file

    /// Parses "SCHEME:LOCATION". Returns std::nullopt and sets `error` for an unknown scheme or an empty
    /// location (the message lists the schemes that exist).
    static std::optional<SourceSpec> parse(const std::string& text, std::string& error);
};

/// Options that only some sources use.
struct SourceOptions {
    std::optional<double> fps;  ///< dir: frame rate (default 9); v4l2: requested rate; others: ignored
};

/// Opens the source. Throws SourceUnavailable (missing device / file / directory / scenario) or FrameError
/// (an unreadable file header) with a message naming the source.
std::unique_ptr<FrameSource> open_frame_source(const SourceSpec& spec, const SourceOptions& options = {});

/// parse() and open_frame_source() in one; an unknown scheme throws std::invalid_argument.
std::unique_ptr<FrameSource> open_frame_source(const std::string& text, const SourceOptions& options = {});

}  // namespace gatehouse::vision
