#include "screening_eval/screening_eval.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "gatehouse/vision/frame_source_factory.hpp"
#include "gatehouse/vision/screening_pipeline.hpp"

namespace gatehouse::screening_eval {

namespace {

using nlohmann::json;

json read_json(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error(file.string() + ": cannot be read");
    json j = json::parse(in, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw std::runtime_error(file.string() + ": not a JSON object");
    return j;
}

cv::Rect rect_of(const json& j, const std::string& what) {
    if (!j.is_array() || j.size() != 4) throw std::runtime_error(what + ": expected [x,y,w,h]");
    const auto v = [&](std::size_t i) { return static_cast<int>(std::lround(j[i].get<double>())); };
    return {v(0), v(1), v(2), v(3)};
}

std::optional<std::pair<std::int64_t, std::int64_t>> interval_of(const json& j) {
    if (!j.is_array() || j.size() != 2) return std::nullopt;
    return std::pair{j[0].get<std::int64_t>(), j[1].get<std::int64_t>()};
}

double iou(const cv::Rect& a, const cv::Rect& b) {
    const double inter = (a & b).area();
    const double uni = a.area() + b.area() - inter;
    return uni > 0 ? inter / uni : 0;
}

/// Box overlap as the matching rule takes it: 0 when the boxes do not match at all.
double match_strength(const cv::Rect& truth, const cv::Rect& found) {
    const double o = iou(truth, found);
    const double inter = (truth & found).area();
    if (o >= 0.2 || inter >= 0.5 * std::min(truth.area(), found.area())) return std::max(o, 1e-3);
    return 0;
}

}  // namespace

std::vector<TruthScene> load_labels(const std::filesystem::path& labels, const std::filesystem::path& data_root) {
    const json j = read_json(labels);
    const double calibration = j.at("calibration_c").get<double>();
    std::vector<TruthScene> scenes;
    for (const auto& r : j.at("recordings")) {
        TruthScene scene;
        scene.kind = "labels";
        const std::string file = r.at("file").get<std::string>();
        scene.name = std::filesystem::path(file).stem().string();
        scene.source = "cptv:" + (data_root / file).string();
        scene.fps = 8.8;
        scene.rotate = 90;
        scene.blackbody = "auto@" + std::to_string(calibration);
        for (const auto& p : r.at("people")) {
            TruthPerson person;
            person.id = std::to_string(p.at("id").get<int>());
            person.at_mark = interval_of(p.at("at_kiosk"));
            person.measurable = p.at("measurable").get<bool>();
            // People who never came near are not boxed: any screening of them is spurious.
            if (!p.at("bbox").is_null())
                person.boxes[p.at("bbox_frame").get<std::int64_t>()] = rect_of(p.at("bbox"), file + " bbox");
            // Labels by eye give no temperature: a person at the kiosk is screened once, as normal or elevated
            // when measurable, with any verdict otherwise; a person who never came to it is not screened.
            if (person.at_mark) {
                person.expected = person.measurable ? std::vector<std::string>{"normal", "elevated"}
                                                    : std::vector<std::string>{"normal", "elevated", "uncertain:*"};
            } else {
                person.expected = {"none"};
            }
            scene.people.push_back(std::move(person));
        }
        scenes.push_back(std::move(scene));
    }
    return scenes;
}

TruthScene load_gate_scene(const std::filesystem::path& directory) {
    const json j = read_json(directory / "truth.json");
    TruthScene scene;
    scene.kind = "gate_scene_gen";
    scene.name = j.at("scene").get<std::string>();
    scene.source = "dir:" + directory.string();
    scene.fps = j.at("fps").get<double>();
    scene.blackbody = j.at("reference").at("blackbody_arg").get<std::string>();
    std::map<std::string, std::size_t> index;
    for (const auto& p : j.at("people")) {
        TruthPerson person;
        person.id = p.at("id").is_string() ? p.at("id").get<std::string>() : std::to_string(p.at("id").get<int>());
        person.at_mark = interval_of(p.value("at_mark", json()));
        person.measurable = p.value("measurable", false);
        person.febrile = p.value("febrile", false);
        if (p.contains("canthus_c") && p["canthus_c"].is_number()) person.canthus_celsius = p["canthus_c"].get<double>();
        for (const auto& e : p.at("expected")) person.expected.push_back(e.get<std::string>());
        index[person.id] = scene.people.size();
        scene.people.push_back(std::move(person));
    }
    for (const auto& f : j.at("frames")) {
        const auto frame = f.at("frame").get<std::int64_t>();
        for (const auto& face : f.value("faces", json::array())) {
            const std::string id =
                face.at("id").is_string() ? face.at("id").get<std::string>() : std::to_string(face.at("id").get<int>());
            const auto it = index.find(id);
            if (it != index.end()) scene.people[it->second].boxes[frame] = rect_of(face.at("bbox"), "faces.bbox");
        }
    }
    return scene;
}

TruthScene load_builtin_scene(const std::filesystem::path& directory) {
    const json j = read_json(directory / "truth.json");
    TruthScene scene;
    scene.kind = "builtin";
    scene.name = j.at("scenario").value("name", directory.filename().string());
    scene.source = "dir:" + directory.string();
    scene.fps = j.at("fps").get<double>();
    scene.rotate = j.value("rotate_cw", 0);
    scene.mirror = j.value("mirror", false);
    if (j.contains("blackbody") && j["blackbody"].is_object()) {
        // The plate's outline, rim included, as an installer draws it.
        const cv::Rect b = rect_of(j["blackbody"].at("bbox"), "blackbody.bbox");
        scene.blackbody = std::to_string(b.x) + "," + std::to_string(b.y) + "," + std::to_string(b.width) + "," +
                          std::to_string(b.height) + "@" + std::to_string(j["blackbody"].at("celsius").get<double>());
    }
    const auto& frames = j.at("frames");
    for (const auto& p : j.at("people")) {
        TruthPerson person;
        const int id = p.at("person").get<int>();
        person.id = std::to_string(id);
        person.febrile = p.value("febrile", false);
        person.canthus_celsius = p.at("canthus_c").get<double>();
        const std::string expect = p.at("expect").get<std::string>();
        const std::string reason = p.value("expect_reason", std::string());
        person.measurable = expect == "normal" || expect == "elevated";
        person.expected = {expect == "uncertain" ? "uncertain:" + (reason.empty() ? std::string("*") : reason) : expect};
        std::optional<std::int64_t> first, last;
        // When the person reaches the mark (negative: never).
        const double mark_s = p.contains("mark_time_s") && p["mark_time_s"].is_number() ? p["mark_time_s"].get<double>() : -1.0;
        for (const auto& f : frames) {
            const auto frame = f.at("frame").get<std::int64_t>();
            for (const auto& h : f.at("heads")) {
                if (h.at("person").get<int>() != id) continue;
                person.boxes[frame] = rect_of(h.at("bbox"), "heads.bbox");
                if (mark_s >= 0 && frame >= std::llround(mark_s * scene.fps)) {
                    if (!first) first = frame;
                    last = frame;
                }
            }
        }
        if (first && expect != "none") person.at_mark = std::pair{*first, *last};
        scene.people.push_back(std::move(person));
    }
    return scene;
}

vision::ScreeningConfig config_for(const TruthScene& scene) {
    vision::ScreeningConfig config;
    config.orientation = vision::Orientation(scene.rotate, scene.mirror);
    if (!scene.blackbody.empty()) {
        std::string error;
        const auto reference = vision::ReferenceConfig::parse(scene.blackbody, error);
        if (!reference) throw std::runtime_error(scene.name + ": blackbody: " + error);
        config.reference = *reference;
    }
    return config;
}

std::vector<vision::Screening> run_pipeline(const TruthScene& scene, const vision::ScreeningConfig& config) {
    vision::SourceOptions options;
    options.fps = scene.fps;
    const auto source = vision::open_frame_source(scene.source, options);
    vision::ScreeningPipeline pipeline(config);
    std::vector<vision::Screening> out;
    while (auto frame = source->next()) {
        const auto& result = pipeline.process(*frame);
        if (result.error) throw std::runtime_error(scene.name + ": " + *result.error);
        out.insert(out.end(), result.screenings.begin(), result.screenings.end());
    }
    for (const auto& s : pipeline.finish()) out.push_back(s);
    return out;
}

std::string outcome_of(const vision::Screening& s) {
    if (s.verdict == vision::Verdict::uncertain) return "uncertain:" + std::string(vision::to_string(s.reason));
    return std::string(vision::to_string(s.verdict));
}

void Score::add(const Score& o) {
    people += o.people;
    screened_once += o.screened_once;
    missed += o.missed;
    duplicated += o.duplicated;
    wrong_outcome += o.wrong_outcome;
    spurious += o.spurious;
    passers_screened += o.passers_screened;
    measurable += o.measurable;
    measurable_uncertain += o.measurable_uncertain;
    readings += o.readings;
    febrile += o.febrile;
    febrile_flagged += o.febrile_flagged;
    healthy_flagged += o.healthy_flagged;
    for (const auto& [reason, n] : o.uncertain) uncertain[reason] += n;
    errors.insert(errors.end(), o.errors.begin(), o.errors.end());
}

double Score::median_error() const {
    if (errors.empty()) return 0;
    auto e = errors;
    std::sort(e.begin(), e.end());
    const std::size_t n = e.size();
    return n % 2 ? e[n / 2] : 0.5 * (e[n / 2 - 1] + e[n / 2]);
}

double Score::max_error() const { return errors.empty() ? 0 : *std::max_element(errors.begin(), errors.end()); }

Score score(const TruthScene& scene, const std::vector<vision::Screening>& screenings, std::vector<PersonScore>* out) {
    const auto widen = static_cast<std::int64_t>(std::lround(scene.fps));
    std::vector<PersonScore> people(scene.people.size());
    for (std::size_t i = 0; i < scene.people.size(); ++i) people[i].truth = &scene.people[i];
    Score result;
    for (const auto& s : screenings) {
        int best = -1;
        double best_strength = 0;
        for (std::size_t i = 0; i < scene.people.size(); ++i) {
            const auto& p = scene.people[i];
            if (p.boxes.empty()) continue;
            std::int64_t from = p.boxes.begin()->first, to = p.boxes.rbegin()->first;
            if (p.at_mark) {
                from = p.at_mark->first;
                to = p.at_mark->second;
            }
            if (s.frame < from - widen || s.frame > to + widen) continue;
            // The box in (or nearest to) the screening's frame; a label's single box stands for the whole stay.
            auto at = p.boxes.lower_bound(s.frame);
            if (at == p.boxes.end() || (at != p.boxes.begin() && at->first != s.frame &&
                                        s.frame - std::prev(at)->first < at->first - s.frame))
                at = at == p.boxes.begin() ? at : std::prev(at);
            if (p.boxes.size() > 1 && std::llabs(at->first - s.frame) > widen) continue;
            const double strength = match_strength(at->second, s.bbox);
            if (strength > best_strength) {
                best_strength = strength;
                best = static_cast<int>(i);
            }
        }
        if (best < 0) {
            ++result.spurious;
            continue;
        }
        people[static_cast<std::size_t>(best)].screenings.push_back(s);
    }
    const auto accepts = [](const TruthPerson& p, const std::string& outcome) {
        for (const auto& e : p.expected) {
            if (e == outcome) return true;
            if (e == "uncertain:*" && outcome.rfind("uncertain:", 0) == 0) return true;
        }
        return false;
    };
    for (auto& ps : people) {
        const auto& p = *ps.truth;
        const bool none_ok = accepts(p, "none");
        if (!p.at_mark) {
            ps.acceptable = ps.screenings.empty() || accepts(p, outcome_of(ps.screenings.front()));
            if (!ps.acceptable) ++result.passers_screened;
            continue;
        }
        ++result.people;
        if (p.measurable) ++result.measurable;
        if (p.febrile) ++result.febrile;
        if (ps.screenings.empty()) {
            ps.acceptable = none_ok;
            if (!none_ok) ++result.missed;
            continue;
        }
        const auto& first = ps.screenings.front();
        if (ps.screenings.size() == 1) ++result.screened_once;
        result.duplicated += static_cast<int>(ps.screenings.size()) - 1;
        ps.acceptable = accepts(p, outcome_of(first));
        if (!ps.acceptable) ++result.wrong_outcome;
        if (first.verdict == vision::Verdict::uncertain) {
            ++result.uncertain[std::string(vision::to_string(first.reason))];
            if (p.measurable) ++result.measurable_uncertain;
        } else {
            ++result.readings;
        }
        if (p.febrile && first.verdict == vision::Verdict::elevated) ++result.febrile_flagged;
        if (!p.febrile && p.canthus_celsius && first.verdict == vision::Verdict::elevated) ++result.healthy_flagged;
        if (p.measurable && p.canthus_celsius && first.celsius && first.verdict != vision::Verdict::uncertain)
            result.errors.push_back(std::abs(*first.celsius - *p.canthus_celsius));
    }
    if (out) *out = std::move(people);
    return result;
}

}  // namespace gatehouse::screening_eval
