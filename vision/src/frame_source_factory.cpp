#include "gatehouse/vision/frame_source_factory.hpp"

#include <stdexcept>

#include "gatehouse/vision/cptv_source.hpp"
#include "gatehouse/vision/image_dir_source.hpp"
#include "gatehouse/vision/synthetic_source.hpp"
#include "gatehouse/vision/v4l2_source.hpp"

namespace gatehouse::vision {

namespace {

constexpr double default_dir_fps = 9.0;

}  // namespace

std::optional<SourceSpec> SourceSpec::parse(const std::string& text, std::string& error) {
    const auto colon = text.find(':');
    const std::string scheme = colon == std::string::npos ? std::string() : text.substr(0, colon);
    SourceSpec spec;
    if (scheme == "v4l2") spec.scheme = Scheme::v4l2;
    else if (scheme == "dir") spec.scheme = Scheme::dir;
    else if (scheme == "cptv") spec.scheme = Scheme::cptv;
    else if (scheme == "synthetic") spec.scheme = Scheme::synthetic;
    else {
        error = "unknown frame source '" + text +
                "': expected v4l2:/dev/videoN, dir:PATH, cptv:FILE or synthetic:NAME|FILE";
        return std::nullopt;
    }
    spec.location = text.substr(colon + 1);
    if (spec.location.empty()) {
        error = "frame source '" + text + "' names no " + scheme + " location";
        return std::nullopt;
    }
    return spec;
}

std::unique_ptr<FrameSource> open_frame_source(const SourceSpec& spec, const SourceOptions& options) {
    switch (spec.scheme) {
        case SourceSpec::Scheme::v4l2: {
            V4l2Source::Settings settings;
            settings.device = spec.location;
            settings.fps = options.fps;
            return std::make_unique<V4l2Source>(settings);
        }
        case SourceSpec::Scheme::dir:
            return std::make_unique<ImageDirSource>(spec.location, options.fps.value_or(default_dir_fps));
        case SourceSpec::Scheme::cptv: return std::make_unique<CptvSource>(spec.location);
        case SourceSpec::Scheme::synthetic: return SyntheticSource::open(spec.location);
    }
    throw std::invalid_argument("unknown frame source scheme");
}

std::unique_ptr<FrameSource> open_frame_source(const std::string& text, const SourceOptions& options) {
    std::string error;
    const auto spec = SourceSpec::parse(text, error);
    if (!spec) throw std::invalid_argument(error);
    return open_frame_source(*spec, options);
}

}  // namespace gatehouse::vision
