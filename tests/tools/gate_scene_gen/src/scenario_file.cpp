#include "gate_scene/scenario_file.hpp"

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gate_scene/random.hpp"

namespace gate_scene {
namespace {

using nlohmann::json;

std::string type_name(const json& j) {
    if (j.is_number()) return "a number";
    if (j.is_string()) return "a string";
    if (j.is_boolean()) return "true/false";
    if (j.is_array()) return "a list";
    if (j.is_object()) return "an object";
    return "null";
}

std::string format_number(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", v);
    return buffer;
}

/// Reads the members of one JSON object by name, checking types and ranges; finish() refuses any member that
/// was not read (a misspelt field).
class ObjectReader {
public:
    ObjectReader(const json& object, std::string path, std::string_view origin)
        : object_(object), path_(std::move(path)), origin_(origin) {
        if (!object_.is_object()) fail(path_, "expected an object, got " + type_name(object_));
    }

    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        throw ScenarioError(std::string(origin_) + ": " + (where.empty() ? "top level" : where) + ": " + what);
    }

    std::string where(std::string_view key) const {
        return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
    }

    bool has(std::string_view key) const { return object_.contains(key); }

    const json* take(std::string_view key) {
        used_.insert(std::string(key));
        const auto it = object_.find(key);
        return it == object_.end() ? nullptr : &*it;
    }

    double number(std::string_view key, std::optional<double> fallback, double lo, double hi) {
        const json* j = take(key);
        if (!j) {
            if (!fallback) fail(where(key), "missing (a number is required)");
            return *fallback;
        }
        return checked_number(*j, where(key), lo, hi);
    }

    double checked_number(const json& j, const std::string& at, double lo, double hi) const {
        if (!j.is_number()) fail(at, "expected a number, got " + type_name(j));
        const double v = j.get<double>();
        if (!std::isfinite(v) || v < lo || v > hi)
            fail(at, format_number(v) + " is outside [" + format_number(lo) + ", " + format_number(hi) + "]");
        return v;
    }

    int integer(std::string_view key, std::optional<int> fallback, int lo, int hi) {
        const json* j = take(key);
        if (!j) {
            if (!fallback) fail(where(key), "missing (a whole number is required)");
            return *fallback;
        }
        const double v = checked_number(*j, where(key), lo, hi);
        if (v != std::floor(v)) fail(where(key), "expected a whole number, got " + format_number(v));
        return static_cast<int>(v);
    }

    bool boolean(std::string_view key, bool fallback) {
        const json* j = take(key);
        if (!j) return fallback;
        if (!j->is_boolean()) fail(where(key), "expected true or false, got " + type_name(*j));
        return j->get<bool>();
    }

    std::string string(std::string_view key, std::optional<std::string> fallback) {
        const json* j = take(key);
        if (!j) {
            if (!fallback) fail(where(key), "missing (a string is required)");
            return *fallback;
        }
        if (!j->is_string()) fail(where(key), "expected a string, got " + type_name(*j));
        return j->get<std::string>();
    }

    template <typename E>
    E choice(std::string_view key, const std::vector<std::pair<std::string, E>>& names, std::optional<E> fallback) {
        const json* j = take(key);
        std::string known;
        for (const auto& [name, value] : names) known += (known.empty() ? "" : ", ") + name;
        if (!j) {
            if (!fallback) fail(where(key), "missing (one of " + known + ")");
            return *fallback;
        }
        if (j->is_string()) {
            for (const auto& [name, value] : names)
                if (*j == name) return value;
            fail(where(key), "\"" + j->get<std::string>() + "\" is not one of " + known);
        }
        fail(where(key), "expected one of " + known + ", got " + type_name(*j));
    }

    /// A list of exactly n numbers in [lo, hi].
    std::vector<double> numbers(std::string_view key, std::size_t n, double lo, double hi) {
        const json* j = take(key);
        if (!j) fail(where(key), "missing (a list of " + std::to_string(n) + " numbers is required)");
        return number_list(*j, where(key), n, lo, hi);
    }

    std::vector<double> number_list(const json& j, const std::string& at, std::size_t n, double lo, double hi) const {
        if (!j.is_array() || (n != 0 && j.size() != n))
            fail(at, "expected a list of " + (n ? std::to_string(n) + " " : std::string()) + "numbers, got " +
                         (j.is_array() ? std::to_string(j.size()) + " items" : type_name(j)));
        std::vector<double> out;
        for (std::size_t i = 0; i < j.size(); ++i) out.push_back(checked_number(j[i], at + "[" + std::to_string(i) + "]", lo, hi));
        return out;
    }

    void finish() const {
        for (const auto& [key, value] : object_.items()) {
            if (used_.contains(key)) continue;
            std::string known;
            for (const auto& k : used_) known += (known.empty() ? "" : ", ") + k;
            fail(where(key), "unknown field (known here: " + known + ")");
        }
    }

private:
    const json& object_;
    std::string path_;
    std::string_view origin_;
    std::set<std::string, std::less<>> used_;
};

// ---------------------------------------------------------------------------------------------------------------
// Value expressions of person entries: a plain value, [low, high] (a number drawn uniformly), {"cycle": [...]}
// (the k-th of a repeated group takes item k modulo the length) or {"choice": [...]} (drawn).

json resolve(const json& value, int k, Random& random, const std::string& at, std::string_view origin) {
    const auto fail = [&](const std::string& what) -> json {
        throw ScenarioError(std::string(origin) + ": " + at + ": " + what);
    };
    if (value.is_array()) {
        if (value.size() != 2 || !value[0].is_number() || !value[1].is_number())
            return fail("a list here must be a range [low, high] of two numbers");
        const double lo = value[0].get<double>(), hi = value[1].get<double>();
        if (!(lo <= hi)) return fail("range [low, high] with low > high");
        return random.uniform(lo, hi);
    }
    if (value.is_object()) {
        if (value.size() == 1 && (value.contains("cycle") || value.contains("choice"))) {
            const bool cycle = value.contains("cycle");
            const json& items = cycle ? value["cycle"] : value["choice"];
            if (!items.is_array() || items.empty()) return fail("\"cycle\"/\"choice\" needs a non-empty list");
            const std::size_t i = cycle ? static_cast<std::size_t>(k) % items.size()
                                        : static_cast<std::size_t>(random.below(static_cast<int>(items.size())));
            return resolve(items[i], k, random, at, origin);
        }
        json out = json::object();
        for (const auto& [key, member] : value.items()) out[key] = resolve(member, k, random, at + "." + key, origin);
        return out;
    }
    return value;
}

// ---------------------------------------------------------------------------------------------------------------

CameraSpec read_camera(ObjectReader& top, std::string_view origin, Random& random, double duration_s) {
    const json* j = top.take("camera");
    if (!j) top.fail("camera", "missing (width, height and fps are required)");
    ObjectReader r(*j, "camera", origin);
    CameraSpec c;
    c.width = r.integer("width", std::nullopt, 32, 2048);
    c.height = r.integer("height", std::nullopt, 32, 2048);
    c.fps = r.number("fps", std::nullopt, 1, 120);
    const bool lepton = c.width <= 200;
    // Lepton-class kiosks put the person much closer (a 57° lens): 35-55 px faces at about 0.6 m.
    c.mark_distance_m = r.number("mark_distance_m", lepton ? 0.6 : 1.2, 0.3, 3.0);
    c.face_px_at_mark = r.number("face_px_at_mark", lepton ? 45.0 : 54.0 * c.width / 384.0, 4, 2000);
    c.height_m = r.number("height_m", lepton ? 1.58 : 1.55, 0.5, 3.0);
    c.pitch_deg = r.number("pitch_deg", lepton ? 0.0 : 6.0, -30, 45);
    c.blur_sigma_px = r.number("blur_sigma_px", 0.85, 0, 3);
    c.temporal_noise_c = r.number("temporal_noise_c", 0.07, 0, 1);
    c.column_noise_c = r.number("column_noise_c", 0.07, 0, 1);
    c.pixel_noise_c = r.number("pixel_noise_c", 0.05, 0, 1);
    c.vignetting_c = r.number("vignetting_c", 0.25, 0, 2);
    c.supersample = r.integer("supersample", c.width <= 200 ? 3 : 2, 1, 8);
    if (const json* d = r.take("drift")) {
        ObjectReader dr(*d, "camera.drift", origin);
        c.drift.amplitude_c = dr.number("amplitude_c", 0.5, 0, 5);
        c.drift.period_s = dr.number("period_s", 90, 5, 3600);
        dr.finish();
    }
    if (const json* f = r.take("ffc")) {
        ObjectReader fr(*f, "camera.ffc", origin);
        c.ffc.freeze_s = fr.number("freeze_s", 0.3, 0, 2);
        c.ffc.max_step_c = fr.number("max_step_c", 0.3, 0, 2);
        if (fr.has("times_s") && fr.has("interval_s")) fr.fail("camera.ffc", "give times_s or interval_s, not both");
        if (const json* times = fr.take("times_s")) {
            c.ffc.times_s = fr.number_list(*times, "camera.ffc.times_s", 0, 0, duration_s);
        } else if (const json* interval = fr.take("interval_s")) {
            double lo = 0, hi = 0;
            if (interval->is_number()) {
                lo = hi = fr.checked_number(*interval, "camera.ffc.interval_s", 2, 600);
            } else {
                const auto range = fr.number_list(*interval, "camera.ffc.interval_s", 2, 2, 600);
                lo = range[0], hi = range[1];
                if (lo > hi) fr.fail("camera.ffc.interval_s", "range [low, high] with low > high");
            }
            for (double t = random.uniform(0.3, 1.0) * random.uniform(lo, hi); t < duration_s; t += random.uniform(lo, hi))
                c.ffc.times_s.push_back(t);
        }
        std::sort(c.ffc.times_s.begin(), c.ffc.times_s.end());
        fr.finish();
    }
    r.finish();
    return c;
}

RoomSpec read_room(ObjectReader& top, std::string_view origin) {
    RoomSpec room;
    const json* j = top.take("room");
    if (!j) return room;
    ObjectReader r(*j, "room", origin);
    room.temperature_c = r.number("temperature_c", 22, 10, 35);
    room.wall_gradient_c = r.number("wall_gradient_c", 1.0, -5, 5);
    room.wall_distance_m = r.number("wall_distance_m", 6.0, 2.5, 30);
    room.texture_c = r.number("texture_c", 0.2, 0, 2);
    if (const json* objects = r.take("objects")) {
        if (!objects->is_array()) r.fail("room.objects", "expected a list, got " + type_name(*objects));
        const std::vector<std::pair<std::string, ObjectKind>> kinds = {
            {"door", ObjectKind::door},       {"poster", ObjectKind::poster}, {"window", ObjectKind::window},
            {"monitor", ObjectKind::monitor}, {"radiator", ObjectKind::radiator}, {"lamp", ObjectKind::lamp},
            {"sunlit_floor", ObjectKind::sunlit_floor}, {"sign", ObjectKind::sign}};
        for (std::size_t i = 0; i < objects->size(); ++i) {
            const std::string at = "room.objects[" + std::to_string(i) + "]";
            ObjectReader o((*objects)[i], at, origin);
            RoomObject obj;
            obj.kind = o.choice<ObjectKind>("kind", kinds, std::nullopt);
            const auto rect = o.numbers("rect", 4, -0.5, 1.5);
            obj.x0 = rect[0], obj.y0 = rect[1], obj.x1 = rect[2], obj.y1 = rect[3];
            if (obj.x1 <= obj.x0 || obj.y1 <= obj.y0) o.fail(at + ".rect", "expected [x0, y0, x1, y1] with x1 > x0, y1 > y0");
            const double room_c = room.temperature_c;
            double fallback = room_c;
            switch (obj.kind) {
                case ObjectKind::door: fallback = room_c - 0.6; break;
                case ObjectKind::poster: fallback = room_c + 0.4; break;
                case ObjectKind::window: fallback = room_c - 4.0; break;
                case ObjectKind::monitor: fallback = 35.0; break;
                case ObjectKind::radiator: fallback = 55.0; break;
                case ObjectKind::lamp: fallback = 50.0; break;
                case ObjectKind::sunlit_floor: fallback = 32.0; break;
                case ObjectKind::sign: fallback = 30.0; break;
            }
            obj.temperature_c = o.number("temperature_c", fallback, -20, 150);
            o.finish();
            room.objects.push_back(obj);
        }
    }
    r.finish();
    return room;
}

ReferenceSpec read_reference(ObjectReader& top, std::string_view origin, const CameraSpec& camera) {
    const json* j = top.take("reference");
    if (!j) top.fail("reference", "missing (every scene has a reference plate)");
    ObjectReader r(*j, "reference", origin);
    ReferenceSpec ref;
    ref.shape = r.choice<PlateShape>("shape", {{"square", PlateShape::square}, {"round", PlateShape::round}}, PlateShape::square);
    ref.size_px = r.number("size_px", 12.0 * camera.width / 384.0, 3, 200);
    const auto center = r.numbers("center_px", 2, -1e4, 1e4);
    ref.center_x = center[0], ref.center_y = center[1];
    const double half = ref.size_px / 2;
    if (ref.center_x - half < 1 || ref.center_y - half < 1 || ref.center_x + half > camera.width - 1 ||
        ref.center_y + half > camera.height - 1)
        r.fail("reference.center_px", "the plate must lie inside the frame, 1 px from its edges");
    ref.set_c = r.number("set_c", std::nullopt, 20, 60);
    ref.stability_c = r.number("stability_c", 0.03, 0, 0.5);
    ref.emissivity = r.number("emissivity", 0.97, 0.5, 1.0);
    ref.distance_m = r.number("distance_m", camera.mark_distance_m, 0.2, 10);
    ref.housing = r.boolean("housing", true);
    ref.given = r.choice<GivenAs>("given",
                                  {{"outline", GivenAs::outline},
                                   {"shifted", GivenAs::shifted},
                                   {"larger", GivenAs::larger},
                                   {"circle", GivenAs::circle},
                                   {"auto", GivenAs::auto_find}},
                                  GivenAs::outline);
    if (const json* shift = r.take("shift_px")) {
        const auto s = r.number_list(*shift, "reference.shift_px", 2, -20, 20);
        ref.shift_x = static_cast<int>(std::lround(s[0]));
        ref.shift_y = static_cast<int>(std::lround(s[1]));
    } else if (ref.given == GivenAs::shifted) {
        r.fail("reference.shift_px", "missing: \"given\": \"shifted\" needs shift_px [dx, dy]");
    }
    ref.margin_px = r.integer("margin_px", 2, 0, 20);
    r.finish();
    return ref;
}

/// Resolves one person entry (expressions drawn) and reads it into a PersonSpec with defaults.
PersonSpec read_person(const json& entry, int k, const std::string& at, std::string_view origin, const CameraSpec& camera,
                       Random& random, int global_index) {
    const json flat = resolve(entry, k, random, at, origin);
    ObjectReader r(flat, at, origin);
    PersonSpec p;
    p.id = r.string("id", "p" + std::to_string(global_index + 1));
    if (p.id.empty()) r.fail(r.where("id"), "must not be empty");
    p.kind = r.choice<PersonKind>("kind", {{"adult", PersonKind::adult}, {"tall", PersonKind::tall}, {"child", PersonKind::child}},
                                  PersonKind::adult);
    p.lane = r.string("lane", "main");
    p.path = r.choice<PathKind>("path", {{"stop", PathKind::stop}, {"walk_through", PathKind::walk_through}}, PathKind::stop);
    p.enter = r.choice<EnterFrom>("enter", {{"queue", EnterFrom::queue}, {"left", EnterFrom::left}, {"right", EnterFrom::right}},
                                  EnterFrom::queue);
    // Most people step aside; some walk on past the camera.
    const double leave_draw = random.uniform();
    const LeaveTo leave_default = leave_draw < 0.35   ? LeaveTo::left
                                  : leave_draw < 0.7  ? LeaveTo::right
                                  : leave_draw < 0.85 ? LeaveTo::forward_left
                                                      : LeaveTo::forward_right;
    p.leave = r.choice<LeaveTo>("leave",
                                {{"left", LeaveTo::left},
                                 {"right", LeaveTo::right},
                                 {"forward_left", LeaveTo::forward_left},
                                 {"forward_right", LeaveTo::forward_right}},
                                leave_default);
    p.arrive_s = r.number("arrive_s", std::nullopt, 0, 3600);
    p.dwell_s = r.number("dwell_s", random.uniform(0.8, 1.8), 0.05, 60);
    const double scale = camera.width / 384.0;
    p.stop_px = r.number("stop_px", random.uniform(-30, 30) * scale, -camera.width / 2.0, camera.width / 2.0);
    p.stop_distance_m = r.number("stop_distance_m", camera.mark_distance_m + random.uniform(-0.04, 0.04), 0.2, 10);
    const double kind_scale = p.kind == PersonKind::child ? 0.82 : (p.kind == PersonKind::tall ? 1.04 : 1.0);
    const double face_px = r.number("face_px", camera.face_px_at_mark * kind_scale * random.uniform(0.9, 1.1), 2, 4000);
    p.head_width_m = 0.15 * face_px / camera.face_px_at_mark;
    const double eye_default = p.kind == PersonKind::child  ? random.uniform(1.17, 1.30)
                               : p.kind == PersonKind::tall ? random.uniform(1.73, 1.78)
                                                            : random.uniform(1.47, 1.64);
    p.eye_height_m = r.number("eye_height_m", eye_default, 0.5, 2.3);
    p.walk_speed_mps = r.number("walk_speed_mps", random.uniform(0.8, 1.4), 0.2, 3);
    p.queue_gap_m = r.number("queue_gap_m", random.uniform(0.55, 0.9), 0.3, 3);
    p.lead_s = r.number("lead_s", 6.0, 0, 60);
    p.canthus_c = r.number("canthus_c", random.uniform(36.0, 37.0), 30, 43);
    if (const json* cold = r.take("cold")) {
        if (cold->is_boolean()) {
            p.cold = cold->get<bool>();
            if (p.cold) {
                p.cold_canthus_drop_c = random.uniform(0.5, 1.0);
                p.cold_skin_drop_c = random.uniform(2.0, 4.0);
            }
        } else {
            ObjectReader c(*cold, at + ".cold", origin);
            p.cold = true;
            p.cold_canthus_drop_c = c.number("canthus_drop_c", random.uniform(0.5, 1.0), 0, 3);
            p.cold_skin_drop_c = c.number("skin_drop_c", random.uniform(2.0, 4.0), 0, 8);
            c.finish();
        }
    }
    p.mask = r.boolean("mask", false);
    if (const json* g = r.take("glasses"); g && g->is_boolean()) {
        p.glasses = g->get<bool>() ? Glasses::clear : Glasses::none;
    } else if (g) {
        const json wrapped = {{"glasses", *g}};
        ObjectReader one(wrapped, at, origin);
        p.glasses = one.choice<Glasses>("glasses", {{"none", Glasses::none}, {"clear", Glasses::clear}, {"sun", Glasses::sun}},
                                        std::nullopt);
    }
    p.headwear = r.choice<Headwear>(
        "headwear", {{"none", Headwear::none}, {"cap", Headwear::cap}, {"beanie", Headwear::beanie}, {"hood", Headwear::hood}},
        Headwear::none);
    const double hair_draw = random.uniform();
    p.hair = r.choice<HairStyle>("hair",
                                 {{"short", HairStyle::short_hair}, {"long", HairStyle::long_hair}, {"bald", HairStyle::bald}},
                                 hair_draw < 0.62 ? HairStyle::short_hair : (hair_draw < 0.92 ? HairStyle::long_hair : HairStyle::bald));
    p.drink = r.choice<Drink>("drink", {{"none", Drink::none}, {"chest", Drink::chest}, {"chin", Drink::chin}}, Drink::none);
    p.sway_cm = r.number("sway_cm", random.uniform(1.0, 3.0), 0, 20);
    p.sway_hz = r.number("sway_hz", random.uniform(0.2, 1.0), 0.01, 5);
    p.nod_deg = r.number("nod_deg", random.uniform(0.0, 4.0), 0, 30);
    const double glances = r.number("glances", 0, 0, 20);
    p.glances = static_cast<int>(std::lround(glances));
    p.appearance_seed = random.next();
    r.finish();
    return p;
}

std::vector<PersonSpec> read_people(ObjectReader& top, std::string_view origin, const CameraSpec& camera, std::uint64_t seed) {
    std::vector<PersonSpec> people;
    const json* list = top.take("people");
    if (!list) return people;
    if (!list->is_array()) top.fail("people", "expected a list, got " + type_name(*list));
    for (std::size_t g = 0; g < list->size(); ++g) {
        const std::string at = "people[" + std::to_string(g) + "]";
        const json& entry = (*list)[g];
        if (!entry.is_object()) top.fail(at, "expected an object, got " + type_name(entry));
        json person = entry;
        int repeat = 1;
        double every_s = 0;
        json overrides = json::object();
        if (person.contains("repeat")) {
            const json& rep = person["repeat"];
            if (!rep.is_number_integer() || rep.get<int>() < 1 || rep.get<int>() > 200)
                top.fail(at + ".repeat", "expected a whole number in [1, 200]");
            repeat = rep.get<int>();
            person.erase("repeat");
        }
        if (person.contains("every_s")) {
            const json& ev = person["every_s"];
            if (!ev.is_number() || ev.get<double>() < 0 || ev.get<double>() > 600)
                top.fail(at + ".every_s", "expected a number in [0, 600]");
            every_s = ev.get<double>();
            person.erase("every_s");
        }
        if (person.contains("with")) {
            overrides = person["with"];
            person.erase("with");
            if (!overrides.is_object()) top.fail(at + ".with", "expected an object {\"INDEX\": {fields}}");
            for (const auto& [key, value] : overrides.items()) {
                std::size_t used = 0;
                int index = -1;
                try {
                    index = std::stoi(key, &used);
                } catch (const std::exception&) {
                    used = 0;
                }
                if (used != key.size() || index < 0 || index >= repeat)
                    top.fail(at + ".with." + key, "expected an index of the group, 0 to " + std::to_string(repeat - 1));
                if (!value.is_object()) top.fail(at + ".with." + key, "expected an object of fields");
            }
        }
        if (!person.contains("arrive_s")) top.fail(at + ".arrive_s", "missing (a number is required)");
        for (int k = 0; k < repeat; ++k) {
            json one = person;
            bool own_arrival = false;  // an override's arrive_s is absolute, not offset by k * every_s
            if (const auto it = overrides.find(std::to_string(k)); it != overrides.end()) {
                for (const auto& [key, value] : it->items()) one[key] = value;
                own_arrival = it->contains("arrive_s");
            }
            const int global_index = static_cast<int>(people.size());
            Random random(seed, "person/" + std::to_string(global_index));
            const std::string person_at = repeat > 1 ? at + "(#" + std::to_string(k) + ")" : at;
            PersonSpec p = read_person(one, k, person_at, origin, camera, random, global_index);
            if (!own_arrival) p.arrive_s += k * every_s;
            people.push_back(std::move(p));
        }
    }
    if (people.size() > 1000) top.fail("people", "more than 1000 people in one scene");
    std::set<std::string> ids;
    for (const auto& p : people)
        if (!ids.insert(p.id).second) top.fail("people", "two people have the id \"" + p.id + "\"");
    return people;
}

void check_people_fit(const Scenario& s, std::string_view origin) {
    for (const auto& p : s.people) {
        if (p.path != PathKind::stop) continue;
        // Leaving needs time too: a scene that ends while someone stands at the stop has no clear truth.
        const double leave = p.arrive_s + p.dwell_s;
        if (leave + 0.5 > s.duration_s)
            throw ScenarioError(std::string(origin) + ": people: " + p.id + " would leave the stop at " +
                                format_number(std::round(leave * 100) / 100) + " s, too close to the end of the scene (" +
                                format_number(s.duration_s) + " s)");
    }
}

}  // namespace

int Scenario::frame_count() const { return static_cast<int>(std::lround(duration_s * camera.fps)); }

Scenario scenario_from_json(const nlohmann::json& document, std::optional<std::uint64_t> seed, std::string_view origin) {
    ObjectReader top(document, "", origin);
    Scenario s;
    s.name = top.string("name", std::nullopt);
    if (s.name.empty() || !std::all_of(s.name.begin(), s.name.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        }))
        top.fail("name", "expected lower-case letters, digits, '_' or '-'");
    s.description = top.string("description", std::nullopt);
    if (const json* j = top.take("seed")) {
        if (!j->is_number_unsigned()) top.fail("seed", "expected a whole number >= 0");
        s.seed = j->get<std::uint64_t>();
    }
    if (seed) s.seed = *seed;
    s.duration_s = top.number("duration_s", std::nullopt, 0.5, 600);
    s.threshold_c = top.number("threshold_c", 37.3, 30, 45);
    Random camera_random(s.seed, "camera/ffc");
    s.camera = read_camera(top, origin, camera_random, s.duration_s);
    s.room = read_room(top, origin);
    s.reference = read_reference(top, origin, s.camera);
    s.people = read_people(top, origin, s.camera, s.seed);
    top.finish();
    check_people_fit(s, origin);
    return s;
}

Scenario parse_scenario(std::string_view json_text, std::optional<std::uint64_t> seed, std::string_view origin) {
    json document;
    try {
        document = json::parse(json_text);
    } catch (const json::parse_error& e) {
        throw ScenarioError(std::string(origin) + ": not valid JSON: " + e.what());
    }
    return scenario_from_json(document, seed, origin);
}

}  // namespace gate_scene
