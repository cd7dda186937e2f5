#pragma once
// Scoring the screening pipeline against truths written by others: what each person should have got, which
// screening belongs to whom, and the tables of issue 20 (people screened once / missed / duplicated, uncertain
// by reason, readings, fevers, errors).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core/types.hpp>

#include "gatehouse/vision/screening.hpp"
#include "gatehouse/vision/screening_config.hpp"

namespace gatehouse::screening_eval {

/// What one person in a recording or scene should get.
struct TruthPerson {
    std::string id;
    /// Frames they stand at the mark / kiosk (inclusive); empty: never (walked by, stayed far).
    std::optional<std::pair<std::int64_t, std::int64_t>> at_mark;
    /// Acceptable outcomes: "normal", "elevated", "uncertain:<reason>", "uncertain:*" or "none".
    std::vector<std::string> expected;
    bool measurable = false;            ///< a reliable canthus reading is possible
    bool febrile = false;
    std::optional<double> canthus_celsius;  ///< true temperature (generators only)
    std::map<std::int64_t, cv::Rect> boxes; ///< face box (source coordinates) by frame; labels give one frame
};

/// One recording or generated scene and how to run the pipeline on it.
struct TruthScene {
    std::string name;
    std::string kind;     ///< "labels", "gate_scene_gen" or "builtin"
    std::string source;   ///< frame source spec (cptv:FILE, dir:DIR)
    double fps = 9;
    int rotate = 0;
    bool mirror = false;
    std::string blackbody;  ///< the --blackbody argument
    std::vector<TruthPerson> people;
};

/// The labels file (tests/data/feverscreen-labels.json); recordings are found under `data_root`.
/// Throws std::runtime_error naming the field on a malformed file.
std::vector<TruthScene> load_labels(const std::filesystem::path& labels, const std::filesystem::path& data_root);
/// A gate_scene_gen output directory (frames and truth.json).
TruthScene load_gate_scene(const std::filesystem::path& directory);
/// A `gatehouse synth` output directory (frames and the built-in generator's truth.json).
TruthScene load_builtin_scene(const std::filesystem::path& directory);

/// The pipeline configuration a scene calls for (orientation, reference); throws on a bad blackbody string.
vision::ScreeningConfig config_for(const TruthScene& scene);
/// Runs the pipeline over the scene's frames and returns every screening (including those at the end).
std::vector<vision::Screening> run_pipeline(const TruthScene& scene, const vision::ScreeningConfig& config);

/// "normal", "elevated" or "uncertain:<reason>".
std::string outcome_of(const vision::Screening& screening);

/// How one person was screened.
struct PersonScore {
    const TruthPerson* truth = nullptr;
    std::vector<vision::Screening> screenings;
    bool acceptable = false;  ///< the first screening's outcome (or none) is one of `expected`
};

/// A scene's (or a total's) figures.
struct Score {
    int people = 0;          ///< people who came to the mark
    int screened_once = 0;
    int missed = 0;          ///< at the mark, no screening (and `none` not acceptable)
    int duplicated = 0;      ///< extra screenings of people already screened
    int wrong_outcome = 0;   ///< first screening's outcome not acceptable
    int spurious = 0;        ///< screenings that belong to nobody at the mark
    int passers_screened = 0;///< people never at the mark who got an unacceptable screening
    int measurable = 0;
    int measurable_uncertain = 0;
    int readings = 0;        ///< normal or elevated screenings
    int febrile = 0;
    int febrile_flagged = 0;
    int healthy_flagged = 0;
    std::map<std::string, int> uncertain;  ///< by reason, over matched screenings
    std::vector<double> errors;            ///< |celsius - canthus| of measurable people with a reading

    void add(const Score& other);
    double median_error() const;
    double max_error() const;
};

/// Matches screenings to people and scores them. Matching: a screening belongs to the person whose face box in
/// (or nearest to) the screening's frame overlaps its bbox most (IoU >= 0.2, or the intersection covers half
/// the smaller box), among people whose `at_mark` widened by `fps` frames on each side holds the frame (people
/// never at the mark: any frame they are boxed in, within the same widening).
Score score(const TruthScene& scene, const std::vector<vision::Screening>& screenings,
            std::vector<PersonScore>* people = nullptr);

}  // namespace gatehouse::screening_eval
