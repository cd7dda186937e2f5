#pragma once
// Synthetic gate scenes with ground truth: what a thermal screening camera at a gate sees, rendered from a
// small scene description, deterministic for a given seed.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <opencv2/core.hpp>

namespace gatehouse::vision {

/// Camera and room of a synthetic scene. Sizes in pixels, temperatures in °C, times in seconds.
struct SceneCamera {
    int width = 160;
    int height = 120;
    double fps = 30;
    double duration_s = 8;
    double ambient_celsius = 22;
    double noise_celsius = 0.06;          ///< temporal sensor noise (std dev per pixel and frame)
    double fixed_pattern_celsius = 0.08;  ///< static per-pixel and per-column offsets
    double drift_celsius = 0;             ///< amplitude of the slow global camera drift (the blackbody drifts too)
    double drift_period_s = 30;           ///< period of that drift (a sine starting at 0)
    double blur_px = 0.6;                 ///< optical blur (Gaussian sigma at 160 px width; scales with width)
    double focal_widths = 1.4;            ///< focal length in multiples of the frame width
    double mark_distance_m = 1.0;         ///< where the floor mark is
    int rotate_cw = 0;                    ///< camera mounted so that the pipeline must rotate frames by this
    bool mirror = false;                  ///< ... and mirror them (applied after rotation)
    std::uint64_t seed = 1;
};

/// A heated reference disc in view (blackbody). Position as fractions of the upright frame.
struct SceneBlackbody {
    double x = 0.06;
    double y = 0.12;
    double radius_widths = 0.035;  ///< radius in multiples of the frame width
    double celsius = 35.0;
    double off_after_s = -1;       ///< >= 0: switched off / covered from this time on (reference fault)
};

/// One key point of a person's path: at time t (s) the person is at horizontal position x (fraction of the
/// upright frame width, may lie outside 0..1) and distance (m) from the camera. Linear in between.
struct PathPoint {
    double t = 0;
    double x = 0.5;
    double distance_m = 3;
};

/// What the scene expects the pipeline to report for a person.
enum class ExpectedOutcome { normal, elevated, uncertain, none };

/// A person walking through the scene.
struct ScenePerson {
    double canthus_celsius = 36.8;  ///< true inner-canthus temperature (the ground truth)
    double skin_below_canthus = 1.6;///< face skin this much below the canthus (cold arrivals: more)
    double height_m = 1.72;
    bool mask = false;
    bool glasses = false;
    bool hat = false;
    bool cold_arrival = false;      ///< just came in from the cold: face and hair much colder, canthus a bit
    std::vector<PathPoint> path;    ///< the person is in the scene from the first to the last point
    std::optional<ExpectedOutcome> expect;  ///< override; otherwise derived (see SceneTruth)
    std::string expect_reason;      ///< for uncertain: the reason the scenario expects (empty: any)
};

/// A warm or hot thing that is not a person.
struct SceneObject {
    std::string kind = "cup";  ///< cup, heater, monitor, lamp, sunlit_floor, warm_disc
    double x = 0.5;            ///< centre, fraction of upright width
    double y = 0.5;            ///< centre, fraction of upright height
    double w = 0.05;           ///< size as fractions of upright width / height
    double h = 0.07;
    double celsius = 60;
    double from_s = 0;
    double to_s = 1e9;
};

/// A full scenario.
struct SceneSpec {
    std::string name;
    std::string description;
    SceneCamera camera;
    std::optional<SceneBlackbody> blackbody = SceneBlackbody{};
    std::vector<ScenePerson> people;
    std::vector<SceneObject> objects;
};

/// Ground truth for one person in one frame.
struct PersonFrameTruth {
    int person = 0;
    cv::Rect head;          ///< head box in source (camera) coordinates
    double distance_m = 0;
};

/// Ground truth for one person over the scene.
struct PersonTruth {
    int person = 0;
    double canthus_celsius = 0;
    bool febrile = false;               ///< canthus >= 37.3 °C
    std::optional<double> mark_time_s;  ///< when the person stops at (or nearer than) the mark, if ever
    ExpectedOutcome expect = ExpectedOutcome::none;
    std::string expect_reason;
};

/// Parses a scenario from JSON (the format of scenario files; see docs/vision.md). Throws std::runtime_error
/// with a message naming the field on invalid input.
SceneSpec scene_from_json(const nlohmann::json& json);
/// The scenario as JSON (round-trips through scene_from_json).
nlohmann::json to_json(const SceneSpec& spec);
/// Loads a scenario file. Throws std::runtime_error when unreadable or invalid.
SceneSpec load_scene_file(const std::filesystem::path& file);

/// The built-in scenario suite, in a fixed order.
std::vector<SceneSpec> builtin_scenes();
/// One built-in scenario by name, if it exists.
std::optional<SceneSpec> builtin_scene(const std::string& name);

/// Renders frames and truth of a scene. Rendering frame i depends only on the spec and i (random access,
/// deterministic). Not thread-safe (holds scratch buffers).
class SceneRenderer {
public:
    explicit SceneRenderer(SceneSpec spec);

    const SceneSpec& spec() const { return spec_; }
    /// Number of frames in the scene.
    std::int64_t frame_count() const;
    /// Raw frame i in centikelvin (CV_16UC1), in the camera's (possibly rotated) orientation.
    cv::Mat render(std::int64_t index);
    /// Per-person head boxes visible in frame i (source coordinates).
    std::vector<PersonFrameTruth> frame_truth(std::int64_t index) const;
    /// Per-person truth over the whole scene.
    std::vector<PersonTruth> person_truth() const;
    /// The blackbody's position in source coordinates (empty without one).
    std::optional<cv::Rect> blackbody_rect() const;
    /// The global drift (°C) added at time t.
    double drift_at(double t_s) const;

private:
    struct PersonPose;
    std::optional<PersonPose> pose(const ScenePerson& person, double t_s) const;
    cv::Rect2d upright_head_rect(const PersonPose& pose) const;
    cv::Rect to_source(const cv::Rect2d& upright) const;
    void draw_person(cv::Mat& image, const ScenePerson& person, const PersonPose& pose) const;
    void draw_object(cv::Mat& image, const SceneObject& object) const;

    SceneSpec spec_;
    cv::Size upright_;       ///< frame size before the mounting rotation is applied
    cv::Mat background_;     ///< static room (CV_32F, upright)
    cv::Mat fixed_pattern_;  ///< static sensor offsets (CV_32F, source orientation)
    cv::Mat scratch_;
};

/// Writes the scene as 16-bit PNG frames (frame_000000.png …) plus truth.json into `out`.
/// Returns the number of frames written; throws std::runtime_error on I/O failure.
std::int64_t write_scene(SceneRenderer& renderer, const std::filesystem::path& out);

std::string_view to_string(ExpectedOutcome outcome);

}  // namespace gatehouse::vision
