#include "gatehouse/vision/synthetic_source.hpp"

#include <cmath>
#include <filesystem>

namespace gatehouse::vision {

SyntheticSource::SyntheticSource(SceneSpec spec) : renderer_(std::move(spec)) {}

std::unique_ptr<SyntheticSource> SyntheticSource::open(const std::string& name_or_file) {
    if (auto spec = builtin_scene(name_or_file)) return std::make_unique<SyntheticSource>(std::move(*spec));
    std::error_code ec;
    if (!std::filesystem::is_regular_file(name_or_file, ec)) {
        std::string names;
        for (const auto& s : builtin_scenes()) names += (names.empty() ? "" : ", ") + s.name;
        throw SourceUnavailable("synthetic:" + name_or_file + ": neither a built-in scenario (" + names +
                                ") nor a scenario file");
    }
    return std::make_unique<SyntheticSource>(load_scene_file(name_or_file));
}

std::optional<Frame> SyntheticSource::next() {
    if (next_index_ >= renderer_.frame_count()) return std::nullopt;
    Frame frame;
    frame.index = next_index_;
    frame.time_ms = static_cast<std::int64_t>(std::llround(1000.0 * static_cast<double>(next_index_) / fps()));
    frame.raw = renderer_.render(next_index_);
    ++next_index_;
    return frame;
}

double SyntheticSource::fps() const { return renderer_.spec().camera.fps; }

std::string SyntheticSource::describe() const { return "synthetic:" + renderer_.spec().name; }

}  // namespace gatehouse::vision
