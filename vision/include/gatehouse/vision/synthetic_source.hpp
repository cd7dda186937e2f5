#pragma once
// A FrameSource over a synthetic gate scene (built-in scenario or scenario file).
#include <memory>
#include <string>

#include "gatehouse/vision/frame_source.hpp"
#include "gatehouse/vision/synthetic_scene.hpp"

namespace gatehouse::vision {

/// Renders a scene frame by frame on demand: raw frames in centikelvin at the scene's fps, timestamps from
/// the frame index (no real-time pacing). Deterministic. Not thread-safe; non-copyable.
class SyntheticSource final : public FrameSource {
public:
    explicit SyntheticSource(SceneSpec spec);
    /// Opens a built-in scenario by NAME or, failing that, a scenario FILE. Throws SourceUnavailable naming
    /// both when neither exists, std::runtime_error for an invalid file.
    static std::unique_ptr<SyntheticSource> open(const std::string& name_or_file);

    SyntheticSource(const SyntheticSource&) = delete;
    SyntheticSource& operator=(const SyntheticSource&) = delete;

    std::optional<Frame> next() override;
    double fps() const override;
    std::string describe() const override;

    /// The renderer, for its ground truth.
    const SceneRenderer& scene() const { return renderer_; }

private:
    SceneRenderer renderer_;
    std::int64_t next_index_ = 0;
};

}  // namespace gatehouse::vision
