#pragma once
// Everything one camera's screening pipeline is configured with.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <opencv2/core/types.hpp>

#include "gatehouse/vision/orientation.hpp"
#include "gatehouse/vision/radiometry.hpp"

namespace gatehouse::vision {

/// Where the blackbody / thermal reference is and what temperature it holds.
struct ReferenceConfig {
    enum class Mode { none, fixed, automatic };
    enum class Shape { rectangle, circle };

    Mode mode = Mode::none;
    Shape shape = Shape::rectangle;  ///< as the installer drew it; either way the plate's core is found inside
    cv::Rect area;                   ///< fixed mode: in the source frame's own coordinates (before orientation);
                                     ///< may include the plate's rim, be a few pixels off or larger than the plate
    double celsius = 35.0;           ///< the reference's true temperature
    double max_spread_celsius = 0.5; ///< std dev inside the reference above which it is not uniform (moved, covered)
    double max_jump_celsius = 0.6;   ///< reading change against the recent median that counts as unstable
    std::int64_t lock_ms = 600;      ///< automatic mode: a candidate must stay put this long before it is used

    /// Parses the CLI form "X,Y,W,H@CELSIUS", "circle:X,Y,W,H@CELSIUS" or "auto@CELSIUS". Returns an error
    /// message instead on malformed input.
    static std::optional<ReferenceConfig> parse(const std::string& text, std::string& error);
};

/// FLIR-style adaptive baseline: alarm at (trimmed mean of recent normal readings) + delta.
struct AdaptiveBaselineConfig {
    bool enabled = false;
    int window = 20;          ///< how many recent normal readings make the baseline
    int min_readings = 5;     ///< below this the absolute threshold alone decides
    double delta_celsius = 1.0;
};

/// Geometry and timing rules for detecting and measuring heads. Sizes are fractions of the oriented frame's
/// width so that one configuration serves 160x120 and 640x512 cameras with the same optics.
struct HeadRules {
    double min_width_fraction = 0.10;  ///< narrower faces are too far (a 48-px face at 384 px is at the mark) ...
    int min_face_pixels = 21;          ///< ... and so are faces narrower than this many sensor pixels (a
                                       ///< 160-px sensor's canthi then cover under 2 px: the reading runs low)
    double max_width_fraction = 0.5;   ///< wider heads are too close (cut off, out of focus); at the FeverScreen
                                       ///< kiosk faces are up to 0.38 of the frame and their head boxes (hair, a
                                       ///< raised hand, shoulders) up to ~0.46
    double warm_above_background = 2.5;///< nothing less than this much above the room's level is skin
    double skin_level = 0.6;           ///< skin segmentation level, as a fraction from the room to the hottest skin
    double max_skin_celsius = 41.5;    ///< hotter than any skin (after correction): cups, heaters, lamps
    double min_canthus_celsius = 34.0; ///< a face's hottest region is never colder (with a reference in use)
    double min_face_contrast = 0.4;    ///< canthus region stands out of the face by this, else the canthi are hidden
    double glasses_contrast = 1.5;     ///< eye band this much colder than forehead and cheeks: glasses
    double max_motion_fraction = 0.25; ///< head travel or growth over motion_window_ms (fraction of its width);
                                       ///< 0.25 passes ~85 % of the frames of people labelled still at the
                                       ///< FeverScreen kiosk (p75 0.11, p90 0.29: sway plus box jitter at 9 fps)
    std::int64_t motion_window_ms = 200;///< that still counts as holding still
    std::int64_t sample_ms = 200;      ///< collect frames over at least this long ...
    int min_samples = 3;               ///< ... and at least this many, then decide
    std::int64_t decide_within_ms = 700;///< holding still at the mark this long without a measurement: uncertain
    std::int64_t max_wait_ms = 3000;   ///< in measuring range this long (even moving): decide anyway
    std::int64_t lost_after_ms = 400;  ///< a track not seen this long has left
    std::int64_t same_person_gap_ms = 800;///< a head at a screened person's place within this long is them again
    std::int64_t ffc_skip_ms = 1000;   ///< frames this soon after a flat-field correction are not analysed
};

/// The whole configuration of one camera's screening.
struct ScreeningConfig {
    Radiometry radiometry;             ///< raw counts -> °C
    Orientation orientation;           ///< applied before analysis
    ReferenceConfig reference;
    double threshold_celsius = 37.3;   ///< elevated at or above this (adjustable 34–39 in 0.1 steps)
    double body_offset_celsius = 0.0;  ///< added to the canthus reading before the verdict
    AdaptiveBaselineConfig baseline;
    HeadRules heads;
    std::optional<std::filesystem::path> snapshot_dir;  ///< evidence JPEGs go here when set
    /// Starts every evidence file's name. Frame numbers restart with each pipeline, so whoever reopens a camera
    /// gives each pipeline a prefix of its own (the daemon: the camera id and the time it opened).
    std::string snapshot_prefix;
    bool snapshot_all = false;         ///< also for normal verdicts (otherwise elevated and uncertain only)
    int detection_width = 160;         ///< detection runs on frames reduced to about this width
    bool explain = false;              ///< fill PipelineOutput::explanation every frame (costs time; tools only)

    /// Throws std::invalid_argument naming the field when a value is out of range.
    void validate() const;
};

}  // namespace gatehouse::vision
