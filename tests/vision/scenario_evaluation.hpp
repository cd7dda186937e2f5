#pragma once
// Runs the screening pipeline over a synthetic scenario and scores it against the scene's ground truth.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "gatehouse/vision/screening_pipeline.hpp"
#include "gatehouse/vision/synthetic_scene.hpp"
#include "gatehouse/vision/synthetic_source.hpp"

namespace gatehouse::vision::testing {

/// How one person of a scenario was screened.
struct PersonResult {
    PersonTruth truth;
    std::vector<Screening> screenings;  ///< every screening attributed to this person
    std::optional<double> delay_s;      ///< first screening's time minus the time the person reached the mark
};

/// Everything one scenario run produced.
struct ScenarioResult {
    std::string name;
    std::vector<PersonResult> people;
    std::vector<Screening> unattributed;  ///< screenings that match nobody (objects, ghosts)
    std::vector<CameraHealth> health;
};

/// The pipeline configuration the scenario's camera calls for: its orientation and its blackbody.
inline ScreeningConfig config_for(const SceneRenderer& scene, bool automatic_reference = false) {
    ScreeningConfig config;
    const auto& cam = scene.spec().camera;
    config.orientation = Orientation(((cam.rotate_cw % 360) + 360) % 360, cam.mirror);
    if (scene.spec().blackbody) {
        config.reference.celsius = scene.spec().blackbody->celsius;
        if (automatic_reference) {
            config.reference.mode = ReferenceConfig::Mode::automatic;
        } else {
            config.reference.mode = ReferenceConfig::Mode::fixed;
            config.reference.shape = ReferenceConfig::Shape::circle;
            const cv::Rect r = *scene.blackbody_rect();
            // The inner part of the disc: its rim is blurred into the housing.
            config.reference.area = cv::Rect(r.x + r.width / 4, r.y + r.height / 4, r.width / 2, r.height / 2);
        }
    }
    return config;
}

inline double overlap(const cv::Rect& a, const cv::Rect& b) {
    const double inter = (a & b).area();
    const double uni = a.area() + b.area() - inter;
    return uni > 0 ? inter / uni : 0;
}

inline ScenarioResult run_scenario(const SceneSpec& spec, std::optional<ScreeningConfig> given = std::nullopt) {
    SyntheticSource source(spec);
    const ScreeningConfig config = given ? *given : config_for(source.scene());
    ScreeningPipeline pipeline(config);
    std::vector<Screening> screenings;
    ScenarioResult result;
    result.name = spec.name;
    while (auto frame = source.next()) {
        const auto& out = pipeline.process(*frame);
        screenings.insert(screenings.end(), out.screenings.begin(), out.screenings.end());
        if (out.health) result.health.push_back(*out.health);
    }
    for (auto& s : pipeline.finish()) screenings.push_back(s);

    for (const auto& truth : source.scene().person_truth()) result.people.push_back({truth, {}, {}});
    for (const auto& s : screenings) {
        // Attribute to the person whose true head box overlaps the reported one most in the deciding frame.
        int best = -1;
        double best_overlap = 0.05;
        for (const auto& t : source.scene().frame_truth(s.frame)) {
            const double o = overlap(t.head, s.bbox);
            if (o > best_overlap) {
                best_overlap = o;
                best = t.person;
            }
        }
        if (best < 0) {
            result.unattributed.push_back(s);
            continue;
        }
        auto& person = result.people[static_cast<std::size_t>(best)];
        person.screenings.push_back(s);
        if (person.screenings.size() == 1 && person.truth.mark_time_s)
            person.delay_s = s.time_ms / 1000.0 - *person.truth.mark_time_s;
    }
    return result;
}

}  // namespace gatehouse::vision::testing
