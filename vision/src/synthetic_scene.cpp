#include "gatehouse/vision/synthetic_scene.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numbers>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace gatehouse::vision {

namespace {

constexpr double kelvin_offset = 273.15;
constexpr double fever_threshold = 37.3;
// Physical head size and camera height; the renderer works in metres and projects with a pinhole model.
constexpr double head_width_m = 0.15;
constexpr double head_height_m = 0.22;
constexpr double camera_height_m = 1.60;
// The pipeline's default measurable range expressed as face width / frame width (see HeadRules); the scene
// derives its expectations from the same geometry. The face (skin) is 86 % of the head's width.
constexpr double measurable_min_fraction = 0.10;
constexpr double measurable_max_fraction = 0.36;
constexpr double face_width_m = 0.86 * head_width_m;
constexpr int drawing_shift = 4;  // sub-pixel precision for cv drawing calls
constexpr double drawing_scale = 1 << drawing_shift;

cv::Point fixed_point(double x, double y) {
    return {static_cast<int>(std::lround(x * drawing_scale)), static_cast<int>(std::lround(y * drawing_scale))};
}

void fill_ellipse(cv::Mat& image, double cx, double cy, double ax, double ay, double value) {
    if (ax <= 0 || ay <= 0) return;
    cv::ellipse(image, fixed_point(cx, cy), cv::Size(static_cast<int>(std::lround(ax * drawing_scale)),
                                                      static_cast<int>(std::lround(ay * drawing_scale))),
                0, 0, 360, cv::Scalar(value), cv::FILLED, cv::LINE_8, drawing_shift);
}

void fill_rect(cv::Mat& image, double x, double y, double w, double h, double value) {
    cv::rectangle(image, fixed_point(x, y), fixed_point(x + w, y + h), cv::Scalar(value), cv::FILLED, cv::LINE_8,
                  drawing_shift);
}

ExpectedOutcome outcome_from_string(const std::string& text) {
    if (text == "normal") return ExpectedOutcome::normal;
    if (text == "elevated") return ExpectedOutcome::elevated;
    if (text == "uncertain") return ExpectedOutcome::uncertain;
    if (text == "none") return ExpectedOutcome::none;
    throw std::runtime_error("scenario: unknown expect value '" + text + "'");
}

template <typename T>
void read_optional(const nlohmann::json& json, const char* key, T& out) {
    if (auto it = json.find(key); it != json.end()) {
        try {
            out = it->get<T>();
        } catch (const nlohmann::json::exception& e) {
            throw std::runtime_error(std::string("scenario: field '") + key + "': " + e.what());
        }
    }
}

}  // namespace

std::string_view to_string(ExpectedOutcome outcome) {
    switch (outcome) {
        case ExpectedOutcome::normal: return "normal";
        case ExpectedOutcome::elevated: return "elevated";
        case ExpectedOutcome::uncertain: return "uncertain";
        case ExpectedOutcome::none: return "none";
    }
    return "none";
}

SceneSpec scene_from_json(const nlohmann::json& json) {
    if (!json.is_object()) throw std::runtime_error("scenario: expected a JSON object");
    SceneSpec spec;
    read_optional(json, "name", spec.name);
    read_optional(json, "description", spec.description);
    if (auto it = json.find("camera"); it != json.end()) {
        const auto& c = *it;
        auto& cam = spec.camera;
        read_optional(c, "width", cam.width);
        read_optional(c, "height", cam.height);
        read_optional(c, "fps", cam.fps);
        read_optional(c, "duration_s", cam.duration_s);
        read_optional(c, "ambient_c", cam.ambient_celsius);
        read_optional(c, "noise_c", cam.noise_celsius);
        read_optional(c, "fixed_pattern_c", cam.fixed_pattern_celsius);
        read_optional(c, "drift_c", cam.drift_celsius);
        read_optional(c, "drift_period_s", cam.drift_period_s);
        read_optional(c, "blur_px", cam.blur_px);
        read_optional(c, "focal_widths", cam.focal_widths);
        read_optional(c, "mark_distance_m", cam.mark_distance_m);
        read_optional(c, "rotate_cw", cam.rotate_cw);
        read_optional(c, "mirror", cam.mirror);
        read_optional(c, "seed", cam.seed);
    }
    const auto& cam = spec.camera;
    if (cam.width < 32 || cam.height < 32 || cam.width > 4096 || cam.height > 4096)
        throw std::runtime_error("scenario: camera width/height must be within 32..4096");
    if (!(cam.fps > 0 && cam.fps <= 1000)) throw std::runtime_error("scenario: camera fps must be within (0, 1000]");
    if (!(cam.duration_s > 0 && cam.duration_s <= 3600))
        throw std::runtime_error("scenario: camera duration_s must be within (0, 3600]");
    if (cam.rotate_cw % 90 != 0) throw std::runtime_error("scenario: rotate_cw must be 0, 90, 180 or 270");
    if (cam.focal_widths <= 0) throw std::runtime_error("scenario: focal_widths must be positive");

    if (auto it = json.find("blackbody"); it != json.end()) {
        if (it->is_null()) {
            spec.blackbody.reset();
        } else {
            SceneBlackbody bb;
            read_optional(*it, "x", bb.x);
            read_optional(*it, "y", bb.y);
            read_optional(*it, "radius_widths", bb.radius_widths);
            read_optional(*it, "celsius", bb.celsius);
            read_optional(*it, "off_after_s", bb.off_after_s);
            spec.blackbody = bb;
        }
    }
    if (auto it = json.find("people"); it != json.end()) {
        if (!it->is_array()) throw std::runtime_error("scenario: people must be an array");
        for (const auto& p : *it) {
            ScenePerson person;
            read_optional(p, "canthus_c", person.canthus_celsius);
            read_optional(p, "skin_below_canthus", person.skin_below_canthus);
            read_optional(p, "height_m", person.height_m);
            read_optional(p, "mask", person.mask);
            read_optional(p, "glasses", person.glasses);
            read_optional(p, "hat", person.hat);
            read_optional(p, "cold_arrival", person.cold_arrival);
            read_optional(p, "expect_reason", person.expect_reason);
            if (auto e = p.find("expect"); e != p.end()) person.expect = outcome_from_string(e->get<std::string>());
            if (auto path = p.find("path"); path != p.end()) {
                for (const auto& point : *path) {
                    if (!point.is_array() || point.size() != 3)
                        throw std::runtime_error("scenario: a path point is [t_s, x, distance_m]");
                    person.path.push_back({point[0].get<double>(), point[1].get<double>(), point[2].get<double>()});
                }
            }
            if (person.path.empty()) throw std::runtime_error("scenario: every person needs a path");
            for (std::size_t i = 1; i < person.path.size(); ++i)
                if (person.path[i].t < person.path[i - 1].t)
                    throw std::runtime_error("scenario: path times must not decrease");
            for (const auto& point : person.path)
                if (point.distance_m < 0.2) throw std::runtime_error("scenario: distance_m must be >= 0.2");
            spec.people.push_back(std::move(person));
        }
    }
    if (auto it = json.find("objects"); it != json.end()) {
        for (const auto& o : *it) {
            SceneObject object;
            read_optional(o, "kind", object.kind);
            read_optional(o, "x", object.x);
            read_optional(o, "y", object.y);
            read_optional(o, "w", object.w);
            read_optional(o, "h", object.h);
            read_optional(o, "celsius", object.celsius);
            read_optional(o, "from_s", object.from_s);
            read_optional(o, "to_s", object.to_s);
            static const std::vector<std::string> kinds{"cup", "heater", "monitor", "lamp", "sunlit_floor", "warm_disc"};
            if (std::find(kinds.begin(), kinds.end(), object.kind) == kinds.end())
                throw std::runtime_error("scenario: unknown object kind '" + object.kind + "'");
            spec.objects.push_back(object);
        }
    }
    return spec;
}

nlohmann::json to_json(const SceneSpec& spec) {
    const auto& c = spec.camera;
    nlohmann::json json{
        {"name", spec.name},
        {"description", spec.description},
        {"camera",
         {{"width", c.width}, {"height", c.height}, {"fps", c.fps}, {"duration_s", c.duration_s},
          {"ambient_c", c.ambient_celsius}, {"noise_c", c.noise_celsius}, {"fixed_pattern_c", c.fixed_pattern_celsius},
          {"drift_c", c.drift_celsius}, {"drift_period_s", c.drift_period_s}, {"blur_px", c.blur_px},
          {"focal_widths", c.focal_widths}, {"mark_distance_m", c.mark_distance_m}, {"rotate_cw", c.rotate_cw},
          {"mirror", c.mirror}, {"seed", c.seed}}},
    };
    if (spec.blackbody) {
        const auto& bb = *spec.blackbody;
        json["blackbody"] = {{"x", bb.x}, {"y", bb.y}, {"radius_widths", bb.radius_widths}, {"celsius", bb.celsius},
                             {"off_after_s", bb.off_after_s}};
    } else {
        json["blackbody"] = nullptr;
    }
    json["people"] = nlohmann::json::array();
    for (const auto& p : spec.people) {
        nlohmann::json path = nlohmann::json::array();
        for (const auto& point : p.path) path.push_back({point.t, point.x, point.distance_m});
        nlohmann::json person{{"canthus_c", p.canthus_celsius}, {"skin_below_canthus", p.skin_below_canthus},
                              {"height_m", p.height_m}, {"mask", p.mask}, {"glasses", p.glasses}, {"hat", p.hat},
                              {"cold_arrival", p.cold_arrival}, {"path", path}};
        if (p.expect) person["expect"] = std::string(to_string(*p.expect));
        if (!p.expect_reason.empty()) person["expect_reason"] = p.expect_reason;
        json["people"].push_back(person);
    }
    json["objects"] = nlohmann::json::array();
    for (const auto& o : spec.objects)
        json["objects"].push_back({{"kind", o.kind}, {"x", o.x}, {"y", o.y}, {"w", o.w}, {"h", o.h},
                                   {"celsius", o.celsius}, {"from_s", o.from_s}, {"to_s", o.to_s}});
    return json;
}

SceneSpec load_scene_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("scenario file " + file.string() + ": cannot be opened");
    try {
        auto spec = scene_from_json(nlohmann::json::parse(in));
        if (spec.name.empty()) spec.name = file.stem().string();
        return spec;
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error("scenario file " + file.string() + ": " + e.what());
    } catch (const std::runtime_error& e) {
        throw std::runtime_error("scenario file " + file.string() + ": " + e.what());
    }
}

// ---------------------------------------------------------------------------------------------------------------

struct SceneRenderer::PersonPose {
    double x_px = 0;       ///< head centre, upright frame
    double y_px = 0;
    double scale = 0;      ///< pixels per metre at the person's distance
    double distance_m = 0;
};

SceneRenderer::SceneRenderer(SceneSpec spec) : spec_(std::move(spec)) {
    const auto& cam = spec_.camera;
    const bool sideways = (cam.rotate_cw / 90) % 2 != 0;
    // The spec gives the camera's own frame size; the scene is composed upright (what the pipeline sees after
    // applying the configured rotation), so sideways mounts swap the axes.
    upright_ = sideways ? cv::Size(cam.height, cam.width) : cv::Size(cam.width, cam.height);

    cv::RNG rng(cam.seed * 7919 + 17);
    background_.create(upright_, CV_32F);
    for (int y = 0; y < upright_.height; ++y) {
        // Ceilings are a little warmer than floors.
        const float value = static_cast<float>(cam.ambient_celsius + 0.8 - 1.6 * y / upright_.height);
        background_.row(y).setTo(value);
    }
    cv::Mat texture(6, 8, CV_32F);
    rng.fill(texture, cv::RNG::NORMAL, 0, 0.35);
    cv::Mat smooth;
    cv::resize(texture, smooth, upright_, 0, 0, cv::INTER_CUBIC);
    background_ += smooth;

    fixed_pattern_.create(cam.height, cam.width, CV_32F);
    rng.fill(fixed_pattern_, cv::RNG::NORMAL, 0, cam.fixed_pattern_celsius * 0.7);
    cv::Mat columns(1, cam.width, CV_32F);
    rng.fill(columns, cv::RNG::NORMAL, 0, cam.fixed_pattern_celsius * 0.7);
    for (int y = 0; y < cam.height; ++y) fixed_pattern_.row(y) += columns;
}

std::int64_t SceneRenderer::frame_count() const {
    return static_cast<std::int64_t>(std::floor(spec_.camera.duration_s * spec_.camera.fps));
}

double SceneRenderer::drift_at(double t_s) const {
    const auto& cam = spec_.camera;
    if (cam.drift_celsius == 0 || cam.drift_period_s <= 0) return 0;
    return cam.drift_celsius * std::sin(2 * std::numbers::pi * t_s / cam.drift_period_s);
}

std::optional<SceneRenderer::PersonPose> SceneRenderer::pose(const ScenePerson& person, double t_s) const {
    const auto& path = person.path;
    if (path.empty() || t_s < path.front().t || t_s > path.back().t) return std::nullopt;
    PathPoint at = path.back();
    for (std::size_t i = 1; i < path.size(); ++i) {
        if (t_s <= path[i].t) {
            const auto& a = path[i - 1];
            const auto& b = path[i];
            const double span = b.t - a.t;
            const double k = span > 0 ? (t_s - a.t) / span : 1.0;
            at = {t_s, a.x + k * (b.x - a.x), a.distance_m + k * (b.distance_m - a.distance_m)};
            break;
        }
    }
    PersonPose result;
    result.distance_m = at.distance_m;
    result.scale = spec_.camera.focal_widths * upright_.width / at.distance_m;
    result.x_px = at.x * upright_.width;
    const double head_centre_m = person.height_m - head_height_m / 2;
    result.y_px = upright_.height * 0.45 - result.scale * (head_centre_m - camera_height_m);
    return result;
}

cv::Rect2d SceneRenderer::upright_head_rect(const PersonPose& p) const {
    const double a = head_width_m / 2 * p.scale;
    const double b = head_height_m / 2 * p.scale;
    return {p.x_px - a, p.y_px - b, 2 * a, 2 * b};
}

cv::Rect SceneRenderer::to_source(const cv::Rect2d& upright) const {
    // upright = mirror(rotate_cw(source)); invert: undo the mirror, then rotate counter-clockwise.
    const auto& cam = spec_.camera;
    const double W = upright_.width;
    const double H = upright_.height;
    double x0 = upright.x, x1 = upright.x + upright.width, y0 = upright.y, y1 = upright.y + upright.height;
    if (cam.mirror) {
        x0 = W - (upright.x + upright.width);
        x1 = W - upright.x;
    }
    auto map_point = [&](double x, double y) -> cv::Point2d {
        switch (((cam.rotate_cw % 360) + 360) % 360) {
            case 90: return {y, W - x};        // source (w=H, h=W): rotating cw maps (sx,sy) -> (H - sy, sx)
            case 180: return {W - x, H - y};
            case 270: return {H - y, x};
            default: return {x, y};
        }
    };
    const cv::Point2d a = map_point(x0, y0);
    const cv::Point2d b = map_point(x1, y1);
    const double left = std::min(a.x, b.x), right = std::max(a.x, b.x);
    const double top = std::min(a.y, b.y), bottom = std::max(a.y, b.y);
    cv::Rect rect(static_cast<int>(std::floor(left)), static_cast<int>(std::floor(top)),
                  static_cast<int>(std::ceil(right) - std::floor(left)),
                  static_cast<int>(std::ceil(bottom) - std::floor(top)));
    return rect & cv::Rect(0, 0, cam.width, cam.height);
}

void SceneRenderer::draw_object(cv::Mat& image, const SceneObject& o) const {
    const double W = upright_.width, H = upright_.height;
    const double cx = o.x * W, cy = o.y * H, w = o.w * W, h = o.h * H;
    const double ambient = spec_.camera.ambient_celsius;
    if (o.kind == "cup" || o.kind == "lamp" || o.kind == "warm_disc") {
        fill_ellipse(image, cx, cy, w / 2, h / 2, o.celsius);
    } else if (o.kind == "heater") {
        fill_rect(image, cx - w / 2, cy - h / 2, w, h, o.celsius - 6);
        const int bars = 5;
        for (int i = 0; i < bars; ++i)
            fill_rect(image, cx - w / 2, cy - h / 2 + (i + 0.25) * h / bars, w, 0.5 * h / bars, o.celsius);
    } else if (o.kind == "monitor") {
        fill_rect(image, cx - w / 2 - 1.5, cy - h / 2 - 1.5, w + 3, h + 3, ambient + 3);
        fill_rect(image, cx - w / 2, cy - h / 2, w, h, o.celsius);
    } else if (o.kind == "sunlit_floor") {
        cv::Mat patch = cv::Mat::zeros(image.size(), CV_32F);
        fill_rect(patch, cx - w / 2, cy - h / 2, w, h, 1.0);
        cv::GaussianBlur(patch, patch, cv::Size(0, 0), std::max(1.0, 0.15 * std::min(w, h)));
        cv::Mat base;
        cv::subtract(cv::Scalar(o.celsius), image, base);
        image += base.mul(patch);
    }
}

void SceneRenderer::draw_person(cv::Mat& image, const ScenePerson& person, const PersonPose& p) const {
    const double s = p.scale;
    const double ambient = spec_.camera.ambient_celsius;
    const double canthus = person.canthus_celsius;
    const double skin = canthus - (person.cold_arrival ? std::max(4.0, person.skin_below_canthus) : person.skin_below_canthus);
    const double clothes = ambient + (person.cold_arrival ? 1.5 : 5.0);
    const double hair = ambient + (person.cold_arrival ? 2.0 : 6.0);
    const double cx = p.x_px, cy = p.y_px;
    const double a = head_width_m / 2 * s, b = head_height_m / 2 * s;

    // Torso (clothes) with rounded shoulders, then the neck (skin), then the head.
    const double shoulders_y = cy + b + 0.07 * s;
    fill_ellipse(image, cx, shoulders_y + 0.06 * s, 0.23 * s, 0.09 * s, clothes);
    fill_rect(image, cx - 0.23 * s, shoulders_y + 0.06 * s, 0.46 * s, 0.9 * s, clothes);
    fill_rect(image, cx - 0.04 * s, cy + 0.7 * b, 0.08 * s, 0.45 * b + 0.08 * s, skin - 0.6);
    // Head in hair temperature, the face ellipse over it leaves hair on top and the sides.
    fill_ellipse(image, cx, cy, a, b, hair);
    fill_ellipse(image, cx, cy + 0.16 * b, 0.86 * a, 0.84 * b, skin - 0.3);
    fill_ellipse(image, cx, cy + 0.12 * b, 0.70 * a, 0.72 * b, skin);
    // Eyes: the periorbital region is warmer than the face, the inner canthi the warmest (the truth).
    const double eye_y = cy + 0.02 * b;
    for (int side : {-1, 1}) {
        fill_ellipse(image, cx + side * 0.033 * s, eye_y, 0.026 * s, 0.014 * s, canthus - 0.7);
        fill_ellipse(image, cx + side * 0.015 * s, eye_y, 0.011 * s, 0.011 * s, canthus);
    }
    if (person.mask) {
        fill_ellipse(image, cx, cy + 0.62 * b, 0.74 * a, 0.36 * b, skin - 1.8);
    }
    if (person.glasses) {
        // Glass is opaque in the long-wave infrared: the lenses show the cooler room, hiding the canthi.
        for (int side : {-1, 1})
            fill_rect(image, cx + side * 0.034 * s - 0.027 * s, eye_y - 0.019 * s, 0.054 * s, 0.038 * s, ambient + 5);
        fill_rect(image, cx - 0.008 * s, eye_y - 0.012 * s, 0.016 * s, 0.006 * s, ambient + 5);
    }
    if (person.hat) {
        const double hat = ambient + 2.5;
        fill_ellipse(image, cx, cy - 0.68 * b, 1.08 * a, 0.42 * b, hat);
        fill_rect(image, cx - 1.15 * a, cy - 0.55 * b, 2.3 * a, 0.14 * b, hat);
    }
}

cv::Mat SceneRenderer::render(std::int64_t index) {
    const auto& cam = spec_.camera;
    const double t = static_cast<double>(index) / cam.fps;
    background_.copyTo(scratch_);
    for (const auto& object : spec_.objects)
        if (t >= object.from_s && t < object.to_s) draw_object(scratch_, object);

    // Far people first so that nearer ones occlude them.
    std::vector<std::pair<const ScenePerson*, PersonPose>> visible;
    for (const auto& person : spec_.people)
        if (auto p = pose(person, t)) visible.emplace_back(&person, *p);
    std::sort(visible.begin(), visible.end(),
              [](const auto& l, const auto& r) { return l.second.distance_m > r.second.distance_m; });
    for (const auto& [person, p] : visible) draw_person(scratch_, *person, p);

    if (spec_.blackbody) {
        const auto& bb = *spec_.blackbody;
        const double r = bb.radius_widths * upright_.width;
        const double x = bb.x * upright_.width, y = bb.y * upright_.height;
        fill_ellipse(scratch_, x, y, r * 1.7, r * 1.7, cam.ambient_celsius + 1.5);  // housing
        const bool off = bb.off_after_s >= 0 && t >= bb.off_after_s;
        fill_ellipse(scratch_, x, y, r, r, off ? cam.ambient_celsius + 2.0 : bb.celsius);
    }

    const double sigma = cam.blur_px * upright_.width / 160.0;
    if (sigma > 0.05) cv::GaussianBlur(scratch_, scratch_, cv::Size(0, 0), sigma);

    // Into the camera's own orientation: undo the mirror, then rotate counter-clockwise.
    cv::Mat oriented = scratch_;
    if (cam.mirror) cv::flip(oriented, oriented, 1);
    switch (((cam.rotate_cw % 360) + 360) % 360) {
        case 90: cv::rotate(oriented, oriented, cv::ROTATE_90_COUNTERCLOCKWISE); break;
        case 180: cv::rotate(oriented, oriented, cv::ROTATE_180); break;
        case 270: cv::rotate(oriented, oriented, cv::ROTATE_90_CLOCKWISE); break;
        default: break;
    }

    cv::Mat noise(oriented.size(), CV_32F);
    cv::RNG rng(cam.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(index) * 0xBF58476D1CE4E5B9ULL + 1);
    rng.fill(noise, cv::RNG::NORMAL, 0, cam.noise_celsius);
    cv::Mat celsius = oriented + fixed_pattern_ + noise;
    cv::Mat raw;
    celsius.convertTo(raw, CV_16U, 100.0, (kelvin_offset + drift_at(t)) * 100.0);
    return raw;
}

std::vector<PersonFrameTruth> SceneRenderer::frame_truth(std::int64_t index) const {
    const double t = static_cast<double>(index) / spec_.camera.fps;
    std::vector<PersonFrameTruth> out;
    for (std::size_t i = 0; i < spec_.people.size(); ++i) {
        if (auto p = pose(spec_.people[i], t)) {
            const cv::Rect box = to_source(upright_head_rect(*p));
            if (box.area() > 0) out.push_back({static_cast<int>(i), box, p->distance_m});
        }
    }
    return out;
}

std::vector<PersonTruth> SceneRenderer::person_truth() const {
    std::vector<PersonTruth> out;
    const double min_distance = spec_.camera.focal_widths * face_width_m / measurable_max_fraction;
    const double max_distance = spec_.camera.focal_widths * face_width_m / measurable_min_fraction;
    for (std::size_t i = 0; i < spec_.people.size(); ++i) {
        const auto& person = spec_.people[i];
        PersonTruth truth;
        truth.person = static_cast<int>(i);
        truth.canthus_celsius = person.canthus_celsius;
        truth.febrile = person.canthus_celsius >= fever_threshold;
        // The mark is reached at the first stop (two path points at the same place, >= 0.5 s apart) within
        // measuring range or nearer.
        bool stopped_in_range = false, stopped_too_close = false;
        for (std::size_t k = 1; k < person.path.size(); ++k) {
            const auto& a = person.path[k - 1];
            const auto& b = person.path[k];
            const bool stop = std::abs(a.x - b.x) < 1e-6 && std::abs(a.distance_m - b.distance_m) < 1e-6 && b.t - a.t >= 0.5;
            if (!stop || a.distance_m > max_distance) continue;
            if (!truth.mark_time_s) truth.mark_time_s = a.t;
            if (a.distance_m < min_distance) stopped_too_close = true;
            else stopped_in_range = true;
        }
        if (person.expect) {
            truth.expect = *person.expect;
        } else if (!truth.mark_time_s) {
            truth.expect = ExpectedOutcome::none;
        } else if (!stopped_in_range && stopped_too_close) {
            truth.expect = ExpectedOutcome::uncertain;
            truth.expect_reason = "too_close";
        } else if (person.glasses) {
            truth.expect = ExpectedOutcome::uncertain;
            truth.expect_reason = "face_occluded";
        } else {
            truth.expect = truth.febrile ? ExpectedOutcome::elevated : ExpectedOutcome::normal;
        }
        if (!person.expect_reason.empty()) truth.expect_reason = person.expect_reason;
        out.push_back(truth);
    }
    return out;
}

std::optional<cv::Rect> SceneRenderer::blackbody_rect() const {
    if (!spec_.blackbody) return std::nullopt;
    const auto& bb = *spec_.blackbody;
    const double r = bb.radius_widths * upright_.width;
    return to_source({bb.x * upright_.width - r, bb.y * upright_.height - r, 2 * r, 2 * r});
}

std::int64_t write_scene(SceneRenderer& renderer, const std::filesystem::path& out) {
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) throw std::runtime_error("cannot create " + out.string() + ": " + ec.message());
    const auto count = renderer.frame_count();
    nlohmann::json frames = nlohmann::json::array();
    for (std::int64_t i = 0; i < count; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "frame_%06lld.png", static_cast<long long>(i));
        const auto path = out / name;
        if (!cv::imwrite(path.string(), renderer.render(i)))
            throw std::runtime_error("cannot write " + path.string());
        nlohmann::json heads = nlohmann::json::array();
        for (const auto& t : renderer.frame_truth(i))
            heads.push_back({{"person", t.person},
                             {"bbox", {t.head.x, t.head.y, t.head.width, t.head.height}},
                             {"distance_m", t.distance_m}});
        frames.push_back({{"frame", i}, {"file", name}, {"heads", heads}});
    }
    nlohmann::json people = nlohmann::json::array();
    for (const auto& p : renderer.person_truth()) {
        nlohmann::json person{{"person", p.person},
                              {"canthus_c", p.canthus_celsius},
                              {"febrile", p.febrile},
                              {"mark_time_s", p.mark_time_s ? nlohmann::json(*p.mark_time_s) : nlohmann::json(nullptr)},
                              {"expect", std::string(to_string(p.expect))}};
        if (!p.expect_reason.empty()) person["expect_reason"] = p.expect_reason;
        people.push_back(person);
    }
    nlohmann::json truth{{"scenario", to_json(renderer.spec())},
                         {"units", "centikelvin"},
                         {"fps", renderer.spec().camera.fps},
                         {"rotate_cw", renderer.spec().camera.rotate_cw},
                         {"mirror", renderer.spec().camera.mirror},
                         {"people", people},
                         {"frames", frames}};
    if (auto bb = renderer.blackbody_rect()) {
        truth["blackbody"] = {{"bbox", {bb->x, bb->y, bb->width, bb->height}},
                              {"celsius", renderer.spec().blackbody->celsius}};
    }
    std::ofstream file(out / "truth.json");
    file << truth.dump(1) << '\n';
    if (!file) throw std::runtime_error("cannot write " + (out / "truth.json").string());
    return count;
}

}  // namespace gatehouse::vision
