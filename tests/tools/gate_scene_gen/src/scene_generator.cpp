#include "gate_scene/scene_generator.hpp"

#include <algorithm>
#include <cmath>

#include "gate_scene/camera_model.hpp"
#include "gate_scene/frame_compositor.hpp"
#include "gate_scene/motion_plan.hpp"
#include "gate_scene/person_model.hpp"
#include "gate_scene/person_renderer.hpp"
#include "gate_scene/reference_plate.hpp"
#include "gate_scene/room_renderer.hpp"
#include "gate_scene/sensor_model.hpp"

namespace gate_scene {
namespace {

/// Something to draw in one frame, far to near.
struct DrawItem {
    double depth;
    int person;  // -1: the reference plate
};

int count_owned(const cv::Mat& owner, cv::Rect area, std::uint16_t mark) {
    area &= cv::Rect(0, 0, owner.cols, owner.rows);
    int n = 0;
    for (int y = area.y; y < area.y + area.height; ++y) {
        const auto* row = owner.ptr<std::uint16_t>(y);
        for (int x = area.x; x < area.x + area.width; ++x) n += row[x] == mark;
    }
    return n;
}

/// What of one person's face survived nearer things: face pixels, and pixels of each inner canthus.
struct FaceCount {
    int face = 0, left = 0, right = 0;
};

FaceCount count_face(const cv::Mat& owner, cv::Rect area, std::uint16_t id) {
    area &= cv::Rect(0, 0, owner.cols, owner.rows);
    FaceCount n;
    for (int y = area.y; y < area.y + area.height; ++y) {
        const auto* row = owner.ptr<std::uint16_t>(y);
        for (int x = area.x; x < area.x + area.width; ++x) {
            const std::uint16_t o = row[x];
            if ((o & kOwnerMask) != id || !(o & kFaceBit)) continue;
            ++n.face;
            if (o & kCanthusBit) ++((o & kRightCanthusBit) ? n.right : n.left);
        }
    }
    return n;
}

/// The faces visible in this frame, from what each person drew and what of it survived nearer things.
std::vector<FaceTruth> visible_faces(const std::vector<PersonDrawing>& drawings, const std::vector<PersonState>& states,
                                     const std::vector<PersonModel>& people, const CameraModel& camera, const cv::Mat& owner,
                                     cv::Size frame) {
    const int ss = camera.supersample();
    std::vector<FaceTruth> faces;
    for (std::size_t i = 0; i < drawings.size(); ++i) {
        const PersonDrawing& d = drawings[i];
        if (d.face_pixels == 0) continue;
        const FaceCount seen = count_face(owner, d.face_ss, static_cast<std::uint16_t>(i + 1));
        if (seen.face == 0) continue;
        const int x0 = static_cast<int>(std::floor(static_cast<double>(d.face_ss.x) / ss));
        const int y0 = static_cast<int>(std::floor(static_cast<double>(d.face_ss.y) / ss));
        const int x1 = static_cast<int>(std::ceil(static_cast<double>(d.face_ss.x + d.face_ss.width) / ss));
        const int y1 = static_cast<int>(std::ceil(static_cast<double>(d.face_ss.y + d.face_ss.height) / ss));
        const cv::Rect whole(x0, y0, x1 - x0, y1 - y0);
        const cv::Rect clipped = whole & cv::Rect(0, 0, frame.width, frame.height);
        if (clipped.area() == 0) continue;
        FaceTruth f;
        f.person = static_cast<int>(i);
        f.bbox = clipped;
        f.visible = static_cast<double>(seen.face) / d.face_pixels;
        f.distance_m = states[i].head_center[2];
        f.cut_top = y0 < 0;
        f.cut_edge = clipped != whole;
        // A canthus counts as in sight when at least 30 % of what it shows face-on is there (the radius where it is
        // half blended into its surroundings is 5.5 mm on a 15 cm head).
        const double z = camera.to_camera(states[i].head_center)[2];
        const double radius_px = 0.0055 * people[i].look().scale * camera.focal_px() * ss / z;
        const double face_on = 3.14159265 * radius_px * radius_px;
        f.canthi_visible = (seen.left >= std::max(1.0, 0.3 * face_on)) + (seen.right >= std::max(1.0, 0.3 * face_on));
        faces.push_back(f);
    }
    return faces;
}

PersonTruth judge_person(const SceneTruth& scene, const PersonModel& model, const CameraModel& camera, int index) {
    const Scenario& s = scene.scenario;
    const PersonSpec& spec = model.spec();
    const MotionTrack& track = model.track();
    PersonTruth p;
    p.index = index;
    p.warm_canthus_c = spec.canthus_c;
    if (track.arrived_s && track.left_s) p.stop_s = std::make_pair(*track.arrived_s, *track.left_s);
    const double mid = p.stop_s ? (p.stop_s->first + p.stop_s->second) / 2 : spec.arrive_s;
    p.canthus_c = model.canthus_at(mid);
    p.febrile = p.canthus_c >= s.threshold_c;

    const cv::Vec3d stop_head(track.stop_x, spec.eye_height_m - s.camera.height_m, track.stop_z);
    p.face_px_at_stop = spec.head_width_m * camera.focal_px() / camera.to_camera(stop_head)[2];
    const double mark = s.camera.mark_distance_m;
    if (spec.path == PathKind::walk_through || !p.stop_s)
        p.stop = StopKind::none;
    else if (p.face_px_at_stop > 0.4 * s.camera.width || spec.stop_distance_m < 0.6 * mark)
        p.stop = StopKind::too_close;
    else if (spec.stop_distance_m > 1.45 * mark)
        p.stop = StopKind::too_far;
    else
        p.stop = StopKind::mark;

    const int frames = static_cast<int>(scene.frames.size());
    if (p.stop_s && (p.stop == StopKind::mark || p.stop == StopKind::too_close)) {
        const int first = std::max(0, static_cast<int>(std::ceil(p.stop_s->first * s.camera.fps - 1e-9)));
        const int last = std::min(frames - 1, static_cast<int>(std::floor(p.stop_s->second * s.camera.fps + 1e-9)));
        if (first <= last) {
            p.at_mark = std::make_pair(first, last);
            for (const auto& face : scene.frames[static_cast<std::size_t>((first + last) / 2)].faces)
                if (face.person == index) p.bbox_at_mark = face.bbox;
            const PersonState state = model.state_at(mid);
            const cv::Point2d eyes = camera.project(state.head_center);
            p.eyes_in_frame = eyes.y >= 1 && eyes.y <= s.camera.height - 1 && eyes.x >= 1 && eyes.x <= s.camera.width - 1;
        }
    }
    decide_outcomes(scene, p);
    return p;
}

}  // namespace

SceneTruth generate_scene(const Scenario& scenario, FrameSink& sink, const GenerateOptions& options) {
    const CameraModel camera(scenario.camera);
    const int ss = camera.supersample();
    const std::vector<MotionTrack> tracks = plan_motion(scenario, camera);
    std::vector<PersonModel> people;
    people.reserve(scenario.people.size());
    for (std::size_t i = 0; i < scenario.people.size(); ++i) people.emplace_back(scenario.people[i], tracks[i], scenario);

    const ReferencePlate plate(scenario.reference, scenario.room.temperature_c, ss, scenario.seed);
    const int frame_count = scenario.frame_count();
    const SensorModel sensor(scenario.camera, frame_count, scenario.seed, options.sensor_effects);
    FrameCompositor compositor(render_room(camera, scenario.camera, scenario.room, scenario.seed), ss,
                               scenario.camera.blur_sigma_px);
    const PersonRenderer renderer(camera);

    SceneTruth truth;
    truth.scenario = scenario;
    truth.focal_px = camera.focal_px();
    truth.sensor_effects = options.sensor_effects;
    truth.ffc = sensor.ffc_events();
    truth.reference.set_c = scenario.reference.set_c;
    truth.reference.emissivity = scenario.reference.emissivity;
    truth.reference.plate = plate.bounds();
    truth.reference.outline = plate.outline();
    truth.reference.blackbody_argument = plate.blackbody_argument();
    // The plate's core reads its apparent temperature plus the sensor's static offset there (vignetting, pattern).
    const cv::Rect core = plate.core_rect(scenario.camera.blur_sigma_px);
    double static_sum = 0;
    for (int y = core.y; y < core.y + core.height; ++y)
        for (int x = core.x; x < core.x + core.width; ++x) static_sum += sensor.static_offset_c(x, y);
    truth.reference.reads_c = plate.apparent_mean_c() + static_sum / core.area();
    truth.frames.reserve(static_cast<std::size_t>(frame_count));

    const cv::Rect2d pb = plate.bounds();
    const cv::Rect plate_ss(static_cast<int>(std::floor(pb.x * ss)), static_cast<int>(std::floor(pb.y * ss)),
                            static_cast<int>(std::ceil(pb.width * ss)) + 1, static_cast<int>(std::ceil(pb.height * ss)) + 1);
    cv::Mat centikelvin, shown;
    FrameTruth previous;
    std::vector<PersonState> states(people.size());
    std::vector<PersonDrawing> drawings(people.size());
    std::vector<DrawItem> items;
    for (int f = 0; f < frame_count; ++f) {
        const double t = f / scenario.camera.fps;
        if (sensor.frozen(f)) {
            // A flat-field correction: the camera repeats the last image it made.
            FrameTruth frozen = previous;
            frozen.frame = f;
            frozen.time_s = t;
            frozen.frozen = true;
            truth.frames.push_back(frozen);
            sink.frame(shown, truth.frames.back());
            continue;
        }
        compositor.begin_frame();
        items.clear();
        items.push_back({scenario.reference.distance_m, -1});
        for (std::size_t i = 0; i < people.size(); ++i) {
            states[i] = people[i].state_at(t);
            drawings[i] = PersonDrawing{};
            if (states[i].present) items.push_back({states[i].head_center[2], static_cast<int>(i)});
        }
        std::stable_sort(items.begin(), items.end(), [](const DrawItem& a, const DrawItem& b) { return a.depth > b.depth; });
        for (const DrawItem& item : items) {
            if (item.person < 0) {
                compositor.mark(plate.draw(compositor.canvas(), compositor.owner(), t, kPlateOwner));
                continue;
            }
            const auto i = static_cast<std::size_t>(item.person);
            drawings[i] = renderer.draw(people[i], states[i], static_cast<std::uint16_t>(i + 1), compositor.canvas(),
                                        compositor.owner());
            for (const cv::Rect& r : drawings[i].touched) compositor.mark(r);
        }
        const cv::Mat& optical = compositor.finish_frame();
        sensor.expose(optical, f, centikelvin);
        if (f + 1 < frame_count && sensor.frozen(f + 1)) centikelvin.copyTo(shown);

        FrameTruth frame;
        frame.frame = f;
        frame.time_s = t;
        frame.offset_c = sensor.offset_c(f);
        frame.reference_visible =
            plate.plate_pixel_count() > 0
                ? static_cast<double>(count_owned(compositor.owner(), plate_ss, kPlateOwner)) / plate.plate_pixel_count()
                : 1.0;
        frame.faces = visible_faces(drawings, states, people, camera, compositor.owner(),
                                    cv::Size(scenario.camera.width, scenario.camera.height));
        truth.frames.push_back(frame);
        sink.frame(centikelvin, truth.frames.back());
        previous = frame;
    }

    for (std::size_t i = 0; i < people.size(); ++i)
        truth.people.push_back(judge_person(truth, people[i], camera, static_cast<int>(i)));
    return truth;
}

}  // namespace gate_scene
