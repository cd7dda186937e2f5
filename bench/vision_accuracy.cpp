// How well thermal screening does on material its authors did not write the answers for: the FeverScreen
// recordings labelled by eye (tests/data/feverscreen-labels.json), the independent generator's scenes
// (gate_scene_gen, tests/data/gate_scenes/) and, for consistency, the built-in generator's scenes with the
// blackbody given as the plate's outline. Prints per recording / scene and in total: people at the mark,
// screened once, missed, duplicated, wrong outcome, spurious, uncertain by reason, readings, fevers flagged,
// healthy people flagged, median and max |error|. Matching lives in tests/tools/screening_eval.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <opencv2/core/utility.hpp>

#include "gatehouse/vision/synthetic_scene.hpp"
#include "screening_eval/screening_eval.hpp"

namespace fs = std::filesystem;
using namespace gatehouse;
using namespace gatehouse::screening_eval;

namespace {

void print_header(const char* title) {
    std::printf("\n%s\n%-26s %6s %6s %6s %6s %6s %6s %6s %8s %8s %8s %7s %7s  %s\n", title, "scene", "people", "once",
                "missed", "dupl", "wrong", "spur", "read", "fever", "healthy", "meas.unc", "med|e|", "max|e|",
                "uncertain by reason");
}

void print_row(const std::string& name, const Score& s) {
    std::string reasons;
    for (const auto& [reason, n] : s.uncertain) reasons += reason + "=" + std::to_string(n) + " ";
    char fever[16], unc[16];
    std::snprintf(fever, sizeof fever, "%d/%d", s.febrile_flagged, s.febrile);
    std::snprintf(unc, sizeof unc, "%d/%d", s.measurable_uncertain, s.measurable);
    std::printf("%-26s %6d %6d %6d %6d %6d %6d %6d %8s %8d %8s %7.2f %7.2f  %s\n", name.c_str(), s.people,
                s.screened_once, s.missed, s.duplicated, s.wrong_outcome, s.spurious + s.passers_screened, s.readings,
                fever, s.healthy_flagged, unc, s.median_error(), s.max_error(), reasons.c_str());
}

Score evaluate(const std::vector<TruthScene>& scenes, const char* title, bool verbose) {
    print_header(title);
    Score total;
    for (const auto& scene : scenes) {
        std::vector<PersonScore> people;
        const auto screenings = run_pipeline(scene, config_for(scene));
        const Score s = score(scene, screenings, &people);
        print_row(scene.name, s);
        if (verbose) {
            for (const auto& p : people) {
                std::printf("    person %-4s at_mark %s expected", p.truth->id.c_str(), p.truth->at_mark ? "yes" : "no ");
                for (const auto& e : p.truth->expected) std::printf(" %s", e.c_str());
                std::printf(" | got");
                for (const auto& g : p.screenings)
                    std::printf(" [f%lld %s %.2f]", static_cast<long long>(g.frame), outcome_of(g).c_str(),
                                g.celsius.value_or(0.0));
                if (p.truth->canthus_celsius) std::printf(" | true %.2f", *p.truth->canthus_celsius);
                std::printf("%s\n", p.acceptable ? "" : "  <-- wrong");
            }
        }
        total.add(s);
    }
    print_row("TOTAL", total);
    return total;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Screening accuracy on labelled recordings and on both scene generators"};
    std::string source_dir = GATEHOUSE_SOURCE_DIR;
    std::string labels = source_dir + "/tests/data/feverscreen-labels.json";
    std::string data_root = source_dir + "/tests/data";
    std::string scene_gen = GATE_SCENE_GEN_BIN;
    std::string work = (fs::temp_directory_path() / "gatehouse-vision-accuracy").string();
    std::vector<std::string> only;
    bool regenerate = false;
    bool verbose = false, skip_real = false, skip_gate = false, skip_builtin = false;
    app.add_option("--labels", labels, "Labels file of the real recordings");
    app.add_option("--data-root", data_root, "Directory the labels' file names are relative to");
    app.add_option("--scene-gen", scene_gen, "The gate_scene_gen program");
    app.add_option("--work", work, "Where generated scenes are written (reused when present)");
    app.add_option("--scene", only, "Only these generated scenes (names; default all)");
    app.add_flag("--regenerate", regenerate, "Generate gate_scene_gen's scenes again even when present in --work");
    app.add_flag("--verbose,-v", verbose, "Per person: what was expected and what came out");
    app.add_flag("--no-real", skip_real, "Skip the labelled recordings");
    app.add_flag("--no-gate-scenes", skip_gate, "Skip gate_scene_gen's scenes");
    app.add_flag("--no-builtin", skip_builtin, "Skip the built-in generator's scenes");
    CLI11_PARSE(app, argc, argv);
    cv::setNumThreads(1);

    try {
        if (!skip_real) evaluate(load_labels(labels, data_root), "Real recordings (labels by eye, auto@37)", verbose);

        if (!skip_gate) {
            std::vector<TruthScene> scenes;
            for (const auto& entry : fs::directory_iterator(source_dir + "/tests/data/gate_scenes")) {
                const std::string name = entry.path().stem().string();
                if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
                const fs::path dir = fs::path(work) / "gate" / name;
                if (regenerate || !fs::exists(dir / "truth.json")) {
                    fs::create_directories(dir.parent_path());
                    const std::string command = "'" + scene_gen + "' --scenario '" + entry.path().string() +
                                                "' --out '" + dir.string() + "' --overwrite > /dev/null";
                    if (std::system(command.c_str()) != 0) throw std::runtime_error("gate_scene_gen failed: " + command);
                }
                scenes.push_back(load_gate_scene(dir));
            }
            std::sort(scenes.begin(), scenes.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
            evaluate(scenes, "gate_scene_gen scenes (independent generator; --blackbody as its truth gives it)", verbose);
        }

        if (!skip_builtin) {
            std::vector<TruthScene> scenes;
            std::vector<vision::SceneSpec> specs = vision::builtin_scenes();
            for (const char* file : {"queue_1s.json", "pairs.json"})
                specs.push_back(vision::load_scene_file(source_dir + "/tests/data/scenes/" + file));
            for (const auto& spec : specs) {
                if (!only.empty() && std::find(only.begin(), only.end(), spec.name) == only.end()) continue;
                const fs::path dir = fs::path(work) / "builtin" / spec.name;
                // Always rendered afresh: this generator lives in this tree and changes with it.
                {
                    fs::remove_all(dir);
                    vision::SceneRenderer renderer(spec);
                    vision::write_scene(renderer, dir);
                }
                scenes.push_back(load_builtin_scene(dir));
            }
            evaluate(scenes, "Built-in generator (consistency only; blackbody given as the plate's outline)", verbose);
        }
    } catch (const std::exception& e) {
        std::cerr << "vision_accuracy: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
