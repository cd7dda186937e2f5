#pragma once
// A scene as the generator renders it: camera, room, reference plate and people, every value concrete (the
// ranges of a scenario file are already drawn with the seed; see scenario_file.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gate_scene {

/// The camera offset's slow drift, shared by every pixel (reference plate included).
struct DriftSpec {
    double amplitude_c = 0.5;  ///< Peak excursion of the offset, °C.
    double period_s = 90.0;    ///< Period of its main component.
};

/// Flat-field corrections: at each time the image freezes, then the offset steps.
struct FfcSpec {
    std::vector<double> times_s;
    double freeze_s = 0.3;
    double max_step_c = 0.3;  ///< Each step is drawn in ±[max/3, max].
};

/// Lens, sensor and mounting. Distances in metres, angles in degrees.
struct CameraSpec {
    int width = 384;
    int height = 288;
    double fps = 25.0;
    double mark_distance_m = 1.2;  ///< Camera to the floor mark.
    double face_px_at_mark = 54;   ///< Width of a 15 cm face at the mark: sets the focal length.
    double height_m = 1.55;        ///< Lens height above the floor.
    double pitch_deg = 6.0;        ///< Downward tilt.
    double blur_sigma_px = 0.85;   ///< Optics point spread (Gaussian sigma, frame pixels).
    double temporal_noise_c = 0.07;
    double column_noise_c = 0.07;
    double pixel_noise_c = 0.05;
    double vignetting_c = 0.25;  ///< How much cooler the corners read.
    DriftSpec drift;
    FfcSpec ffc;
    int supersample = 2;  ///< Render at this many times the frame resolution, then area-downsample.
};

enum class ObjectKind { door, poster, window, monitor, radiator, lamp, sunlit_floor, sign };

/// A static thing of the room, drawn on the background. `rect` is in fractions of the frame: x0, y0, x1, y1.
struct RoomObject {
    ObjectKind kind = ObjectKind::poster;
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    double temperature_c = 22.0;  ///< What the camera reads on its surface.
};

struct RoomSpec {
    double temperature_c = 22.0;
    double wall_gradient_c = 1.0;  ///< The top of the back wall is this much warmer than its foot.
    double wall_distance_m = 6.0;
    double texture_c = 0.2;  ///< Amplitude of the walls' low-frequency texture.
    std::vector<RoomObject> objects;
};

enum class PlateShape { square, round };
/// How the installer gives the plate to the pipeline.
enum class GivenAs { outline, shifted, larger, circle, auto_find };

/// The heated reference plate (blackbody). Position and size in frame pixels.
struct ReferenceSpec {
    PlateShape shape = PlateShape::square;
    double size_px = 12;
    double center_x = 360, center_y = 24;
    double set_c = 35.0;
    double stability_c = 0.03;  ///< Amplitude of the plate's slow wander around its set temperature.
    double emissivity = 0.97;
    double distance_m = 1.2;  ///< For occlusion by people only.
    bool housing = true;      ///< A casing around the plate, a little above room temperature.
    GivenAs given = GivenAs::outline;
    int shift_x = 0, shift_y = 0;  ///< For `shifted`.
    int margin_px = 2;             ///< For `larger`.
};

enum class PersonKind { adult, tall, child };
enum class PathKind { stop, walk_through };
enum class EnterFrom { queue, left, right };
enum class LeaveTo { left, right, forward_left, forward_right };
enum class Glasses { none, clear, sun };
enum class Headwear { none, cap, beanie, hood };
enum class HairStyle { short_hair, long_hair, bald };
enum class Drink { none, chest, chin };

/// One person: who they are, what they wear, and how they come, stop and go.
struct PersonSpec {
    std::string id;
    PersonKind kind = PersonKind::adult;
    std::string lane = "main";  ///< People of one lane queue behind each other.
    PathKind path = PathKind::stop;
    EnterFrom enter = EnterFrom::queue;
    LeaveTo leave = LeaveTo::left;
    double arrive_s = 0;         ///< Planned time of reaching the stop (walk-through: crossing the mark's line).
    double dwell_s = 1.0;        ///< Time standing at the stop.
    double stop_px = 0;          ///< Lateral offset of the stop from the mark's centre line, frame pixels.
    double stop_distance_m = 1.2;
    double head_width_m = 0.15;  ///< Ear to ear.
    double eye_height_m = 1.6;
    double walk_speed_mps = 1.1;
    double queue_gap_m = 0.7;  ///< Distance kept behind the person ahead while queuing.
    double lead_s = 6.0;       ///< How long before arriving the person is in the queue.
    double canthus_c = 36.6;   ///< Inner canthus when warm (core-related).
    bool cold = false;
    double cold_canthus_drop_c = 0.0;  ///< Cold arrivals: canthus below canthus_c on entering the scene.
    double cold_skin_drop_c = 0.0;     ///< Cold arrivals: the rest of the skin, below normal.
    bool mask = false;
    Glasses glasses = Glasses::none;
    Headwear headwear = Headwear::none;
    HairStyle hair = HairStyle::short_hair;
    Drink drink = Drink::none;
    double sway_cm = 1.5;
    double sway_hz = 0.4;
    double nod_deg = 2.0;
    int glances = 0;  ///< Sideways glances while at the stop.
    std::uint64_t appearance_seed = 0;  ///< Skin pattern, clothes, phases: drawn by the person model.
};

/// A complete scene.
struct Scenario {
    std::string name;
    std::string description;
    std::uint64_t seed = 1;
    double duration_s = 10;
    double threshold_c = 37.3;
    CameraSpec camera;
    RoomSpec room;
    ReferenceSpec reference;
    std::vector<PersonSpec> people;

    int frame_count() const;
};

}  // namespace gate_scene
