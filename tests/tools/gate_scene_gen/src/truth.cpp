#include "gate_scene/truth.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace gate_scene {
namespace {

using nlohmann::json;

double rounded(double v, int decimals) {
    const double k = std::pow(10.0, decimals);
    return std::round(v * k) / k;
}

json rect_json(const cv::Rect& r) { return json::array({r.x, r.y, r.width, r.height}); }

std::string fixed(double v, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
    return buffer;
}

const FaceTruth* face_of(const FrameTruth& frame, int person) {
    for (const auto& f : frame.faces)
        if (f.person == person) return &f;
    return nullptr;
}

int gap_between(const cv::Rect& a, const cv::Rect& b) {
    return std::max({b.x - (a.x + a.width), a.x - (b.x + b.width), b.y - (a.y + a.height), a.y - (b.y + b.height)});
}

void allow(PersonTruth& p, const std::string& outcome, const std::string& note) {
    if (std::find(p.expected.begin(), p.expected.end(), outcome) != p.expected.end()) return;
    p.expected.push_back(outcome);
    p.notes.push_back(outcome + ": " + note);
}

const char* enum_name(Glasses g) {
    switch (g) {
        case Glasses::none: return "none";
        case Glasses::clear: return "clear";
        case Glasses::sun: return "sun";
    }
    return "none";
}
const char* enum_name(Headwear h) {
    switch (h) {
        case Headwear::none: return "none";
        case Headwear::cap: return "cap";
        case Headwear::beanie: return "beanie";
        case Headwear::hood: return "hood";
    }
    return "none";
}
const char* enum_name(Drink d) {
    switch (d) {
        case Drink::none: return "none";
        case Drink::chest: return "chest";
        case Drink::chin: return "chin";
    }
    return "none";
}
const char* enum_name(PersonKind k) {
    switch (k) {
        case PersonKind::adult: return "adult";
        case PersonKind::tall: return "tall";
        case PersonKind::child: return "child";
    }
    return "adult";
}
const char* enum_name(HairStyle h) {
    switch (h) {
        case HairStyle::short_hair: return "short";
        case HairStyle::long_hair: return "long";
        case HairStyle::bald: return "bald";
    }
    return "short";
}
const char* enum_name(GivenAs g) {
    switch (g) {
        case GivenAs::outline: return "outline";
        case GivenAs::shifted: return "shifted";
        case GivenAs::larger: return "larger";
        case GivenAs::circle: return "circle";
        case GivenAs::auto_find: return "auto";
    }
    return "outline";
}
const char* enum_name(LeaveTo l) {
    switch (l) {
        case LeaveTo::left: return "left";
        case LeaveTo::right: return "right";
        case LeaveTo::forward_left: return "forward_left";
        case LeaveTo::forward_right: return "forward_right";
    }
    return "left";
}

}  // namespace

const char* to_string(StopKind kind) {
    switch (kind) {
        case StopKind::mark: return "mark";
        case StopKind::too_far: return "too_far";
        case StopKind::too_close: return "too_close";
        case StopKind::none: return "none";
    }
    return "none";
}

void decide_outcomes(const SceneTruth& scene, PersonTruth& p) {
    const Scenario& s = scene.scenario;
    const PersonSpec& spec = s.people[static_cast<std::size_t>(p.index)];
    const std::string verdict = p.canthus_c >= s.threshold_c ? "elevated" : "normal";
    p.expected.clear();
    p.notes.clear();
    p.measurable = false;
    p.why.clear();

    switch (p.stop) {
        case StopKind::none:
            p.why = "walks through without stopping";
            p.expected = {"none", "uncertain:moving"};
            return;
        case StopKind::too_far:
            p.why = "stops " + fixed(spec.stop_distance_m, 2) + " m from the camera and never comes to the mark (" +
                    fixed(s.camera.mark_distance_m, 2) + " m)";
            p.expected = {"none", "uncertain:too_far"};
            return;
        case StopKind::too_close:
            p.why = "leans in: the face is " + fixed(p.face_px_at_stop, 0) + " px wide at the stop (" +
                    fixed(100.0 * p.face_px_at_stop / s.camera.width, 0) + " % of the frame width)";
            p.expected = {"uncertain:too_close"};
            return;
        case StopKind::mark: break;
    }

    if (!p.eyes_in_frame) {
        p.why = "the eyes are outside the frame (above its top edge) at the mark";
        p.expected = {"uncertain:too_close", "none"};
        return;
    }
    if (spec.glasses != Glasses::none) {
        p.why = std::string(spec.glasses == Glasses::sun ? "sunglasses" : "glasses") +
                " hide both inner canthi (lenses are opaque in the long-wave infrared)";
        p.expected = {"uncertain:face_occluded", verdict};
        p.notes.push_back(verdict + ": a reading from the visible skin is acceptable if it gives the true verdict");
    } else {
        p.measurable = true;
        p.expected = {verdict};
    }
    if (!p.at_mark) return;
    const auto [first, last] = *p.at_mark;
    const int frames = last - first + 1;

    int cut = 0, touching = 0, frozen = 0, plate_hidden = 0;
    for (int f = first; f <= last; ++f) {
        const FrameTruth& frame = scene.frames[static_cast<std::size_t>(f)];
        if (frame.frozen) ++frozen;
        if (frame.reference_visible < 0.9) ++plate_hidden;
        const FaceTruth* own = face_of(frame, p.index);
        if (!own) continue;
        if (own->cut_top) ++cut;
        for (const auto& other : frame.faces) {
            if (other.person == p.index || other.visible < 0.3 || other.bbox.width < 0.85 * own->bbox.width) continue;
            if (gap_between(own->bbox, other.bbox) <= 2) {
                ++touching;
                break;
            }
        }
    }
    if (2 * cut >= frames) allow(p, "uncertain:too_close", "the face is cut by the top edge of the frame at the mark");
    if (spec.drink == Drink::chin) allow(p, "uncertain:face_occluded", "a hot cup is held up at the chin");
    if (2 * touching >= frames) allow(p, "uncertain:multiple_people", "another face of similar size touches theirs at the mark");
    if (plate_hidden > 0) allow(p, "uncertain:reference_fault", "someone hides the reference plate while they stand at the mark");
    if (frozen > 0) {
        allow(p, "uncertain:ffc", "a flat-field correction freezes the image while they stand at the mark");
        if ((frames - frozen) / s.camera.fps < 0.5) allow(p, "none", "less than 0.5 s at the mark outside the correction");
    }
    if (spec.dwell_s < 0.5) allow(p, "none", "stands at the mark less than 0.5 s");
}

json truth_to_json(const SceneTruth& scene) {
    const Scenario& s = scene.scenario;
    json doc;
    doc["generator"] = "gate_scene_gen";
    doc["format"] = 1;
    doc["scene"] = s.name;
    doc["description"] = s.description;
    doc["seed"] = s.seed;
    doc["width"] = s.camera.width;
    doc["height"] = s.camera.height;
    doc["fps"] = s.camera.fps;
    doc["units"] = "centikelvin";
    doc["frame_count"] = scene.frames.size();
    doc["frame_files"] = "frame_%06d.png";
    doc["duration_s"] = s.duration_s;
    doc["threshold_c"] = s.threshold_c;
    doc["sensor_effects"] = scene.sensor_effects;
    doc["room_c"] = s.room.temperature_c;

    json ffc = json::array();
    for (const auto& e : scene.ffc)
        ffc.push_back({{"first_frame", e.first_frame}, {"last_frame", e.last_frame}, {"step_c", rounded(e.step_c, 3)}});
    doc["camera"] = {{"mark_distance_m", s.camera.mark_distance_m},
                     {"focal_px", rounded(scene.focal_px, 2)},
                     {"height_m", s.camera.height_m},
                     {"pitch_deg", s.camera.pitch_deg},
                     {"blur_sigma_px", s.camera.blur_sigma_px},
                     {"temporal_noise_c", s.camera.temporal_noise_c},
                     {"column_noise_c", s.camera.column_noise_c},
                     {"pixel_noise_c", s.camera.pixel_noise_c},
                     {"vignetting_c", s.camera.vignetting_c},
                     {"drift_amplitude_c", s.camera.drift.amplitude_c},
                     {"drift_period_s", s.camera.drift.period_s},
                     {"supersample", s.camera.supersample},
                     {"ffc", ffc}};

    const ReferenceTruth& r = scene.reference;
    doc["reference"] = {{"shape", s.reference.shape == PlateShape::round ? "round" : "square"},
                        {"set_c", r.set_c},
                        {"emissivity", r.emissivity},
                        {"reads_c", rounded(r.reads_c, 3)},
                        {"plate", json::array({rounded(r.plate.x, 3), rounded(r.plate.y, 3), rounded(r.plate.width, 3),
                                               rounded(r.plate.height, 3)})},
                        {"outline", rect_json(r.outline)},
                        {"given_as", enum_name(s.reference.given)},
                        {"blackbody_arg", r.blackbody_argument}};

    json people = json::array();
    for (const auto& p : scene.people) {
        const PersonSpec& spec = s.people[static_cast<std::size_t>(p.index)];
        json j;
        j["id"] = spec.id;
        j["kind"] = enum_name(spec.kind);
        j["canthus_c"] = rounded(p.canthus_c, 3);
        if (spec.cold) j["warm_canthus_c"] = rounded(p.warm_canthus_c, 3);
        j["febrile"] = p.febrile;
        j["at_mark"] = p.at_mark ? json::array({p.at_mark->first, p.at_mark->second}) : json(nullptr);
        j["at_mark_ms"] = p.at_mark ? json::array({std::lround(p.at_mark->first * 1000.0 / s.camera.fps),
                                                   std::lround(p.at_mark->second * 1000.0 / s.camera.fps)})
                                    : json(nullptr);
        j["stop"] = to_string(p.stop);
        j["stop_s"] = p.stop_s ? json::array({rounded(p.stop_s->first, 3), rounded(p.stop_s->second, 3)}) : json(nullptr);
        j["stop_distance_m"] = spec.path == PathKind::stop ? json(rounded(spec.stop_distance_m, 3)) : json(nullptr);
        j["stop_offset_px"] = rounded(spec.stop_px, 1);
        j["face_px_at_stop"] = rounded(p.face_px_at_stop, 1);
        j["bbox_at_mark"] = p.bbox_at_mark ? rect_json(*p.bbox_at_mark) : json(nullptr);
        j["measurable"] = p.measurable;
        j["why"] = p.why.empty() ? json(nullptr) : json(p.why);
        j["expected"] = p.expected;
        j["notes"] = p.notes;
        j["wears"] = {{"mask", spec.mask},
                      {"glasses", enum_name(spec.glasses)},
                      {"headwear", enum_name(spec.headwear)},
                      {"hair", enum_name(spec.hair)},
                      {"drink", enum_name(spec.drink)}};
        j["cold"] = spec.cold;
        j["path"] = spec.path == PathKind::stop ? "stop" : "walk_through";
        j["leaves"] = enum_name(spec.leave);
        j["lane"] = spec.lane;
        people.push_back(std::move(j));
    }
    doc["people"] = std::move(people);

    json frames = json::array();
    for (const auto& f : scene.frames) {
        json faces = json::array();
        for (const auto& face : f.faces) {
            json fj = {{"id", s.people[static_cast<std::size_t>(face.person)].id},
                       {"bbox", rect_json(face.bbox)},
                       {"visible", rounded(face.visible, 3)},
                       {"canthi", face.canthi_visible},
                       {"distance_m", rounded(face.distance_m, 3)}};
            if (face.cut_edge) fj["cut"] = true;
            faces.push_back(std::move(fj));
        }
        json fj = {{"frame", f.frame},
                   {"time_ms", std::lround(f.time_s * 1000.0)},
                   {"offset_c", rounded(f.offset_c, 4)},
                   {"faces", std::move(faces)}};
        if (f.frozen) fj["frozen"] = true;
        if (f.reference_visible < 1.0) fj["reference_visible"] = rounded(f.reference_visible, 3);
        frames.push_back(std::move(fj));
    }
    doc["frames"] = std::move(frames);
    return doc;
}

}  // namespace gate_scene
