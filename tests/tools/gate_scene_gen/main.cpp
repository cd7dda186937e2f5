// gate_scene_gen: writes a synthetic radiometric thermal scene (16-bit centi-kelvin PNG frames) and its truth.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "gate_scene/builtin_scenarios.hpp"
#include "gate_scene/scenario_file.hpp"
#include "gate_scene/scene_generator.hpp"

namespace fs = std::filesystem;
using gate_scene::Scenario;

namespace {

// sysexits.h
constexpr int kExitUsage = 64;
constexpr int kExitBadScenario = 65;
constexpr int kExitNoInput = 66;
constexpr int kExitCannotCreate = 73;
constexpr int kExitIo = 74;

/// A failure with the exit code it maps to.
struct Failure {
    int code;
    std::string message;
};

const char* kDescription = R"help(Writes an independent synthetic thermal scene of people at a screening gate: 16-bit single-channel PNG
frames (DIR/frame_000000.png, ...), each pixel a temperature in centi-kelvin, and DIR/truth.json (who stood at
the mark, their true inner-canthus temperature, the acceptable screening outcomes, every face's box per frame,
the reference plate and the --blackbody argument an installer would give). Deterministic for a scenario and
seed. Scenario files and truth.json are described in tests/tools/gate_scene_gen/README.md.

Examples:
  gate_scene_gen --list
  gate_scene_gen --scenario normal_queue --out /tmp/normal_queue
  gate_scene_gen --scenario my_scene.json --out /tmp/mine --seed 7
  gate_scene_gen --all --out /tmp/gate_scenes
  gatehouse screen --source dir:/tmp/normal_queue --fps 25 --units centikelvin \
      --blackbody "$(jq -r .reference.blackbody_arg /tmp/normal_queue/truth.json)" --json

Exit status: 0 done, 64 usage error (bad option, unknown scenario name), 65 bad scenario file, 66 scenario
file missing or unreadable, 73 output directory unusable (or already holds a scene: --overwrite), 74 write
error.)help";

bool is_file_argument(const std::string& s) {
    return s.find('/') != std::string::npos || (s.size() > 5 && s.ends_with(".json"));
}

Scenario load_scenario(const std::string& name_or_file, std::optional<std::uint64_t> seed) {
    if (is_file_argument(name_or_file)) {
        std::ifstream in(name_or_file, std::ios::binary);
        if (!in) {
            std::error_code ec;
            const bool exists = fs::exists(name_or_file, ec);
            throw Failure{kExitNoInput, "cannot read scenario file " + name_or_file + ": " +
                                            (exists ? "permission denied or not a regular file" : "no such file")};
        }
        std::ostringstream text;
        text << in.rdbuf();
        if (in.bad()) throw Failure{kExitNoInput, "cannot read scenario file " + name_or_file};
        try {
            return gate_scene::parse_scenario(text.str(), seed, name_or_file);
        } catch (const gate_scene::ScenarioError& e) {
            throw Failure{kExitBadScenario, e.what()};
        }
    }
    for (const auto& builtin : gate_scene::builtin_scenarios()) {
        if (builtin.name != name_or_file) continue;
        try {
            return gate_scene::parse_scenario(builtin.json, seed, "built-in " + name_or_file);
        } catch (const gate_scene::ScenarioError& e) {
            throw Failure{kExitBadScenario, e.what()};
        }
    }
    throw Failure{kExitUsage, "unknown scenario \"" + name_or_file + "\": give a built-in name (see --list) or a .json file"};
}

bool is_scene_file(const fs::path& p) {
    const std::string name = p.filename().string();
    return name == "truth.json" || (name.starts_with("frame_") && name.ends_with(".png"));
}

/// Makes DIR ready: created if missing; an earlier scene in it is refused, or removed with --overwrite (only the
/// generator's own files: frame_*.png and truth.json).
void prepare_output(const fs::path& dir, bool overwrite) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) throw Failure{kExitCannotCreate, "cannot create output directory " + dir.string() + (ec ? ": " + ec.message() : "")};
    std::vector<fs::path> old;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (is_scene_file(entry.path())) old.push_back(entry.path());
    if (ec) throw Failure{kExitCannotCreate, "cannot list " + dir.string() + ": " + ec.message()};
    if (old.empty()) return;
    if (!overwrite)
        throw Failure{kExitCannotCreate, dir.string() + " already holds a scene (frame_*.png, truth.json); pass --overwrite to replace it"};
    for (const auto& p : old) {
        fs::remove(p, ec);
        if (ec) throw Failure{kExitCannotCreate, "cannot remove " + p.string() + ": " + ec.message()};
    }
}

/// Writes each frame as a PNG, with progress on a terminal. Without a compression level OpenCV takes its fast path
/// (one row filter, zlib level 1): twice as fast as any explicit level, and the sensor noise leaves little more to
/// gain.
class PngWriter : public gate_scene::FrameSink {
public:
    PngWriter(fs::path dir, std::optional<int> compression, int total, std::string label, bool progress)
        : dir_(std::move(dir)), total_(total), label_(std::move(label)), progress_(progress) {
        if (compression) params_ = {cv::IMWRITE_PNG_COMPRESSION, *compression};
    }

    void frame(const cv::Mat& centikelvin, const gate_scene::FrameTruth& truth) override {
        const int index = truth.frame;
        char name[32];
        std::snprintf(name, sizeof name, "frame_%06d.png", index);
        const fs::path path = dir_ / name;
        bool ok = false;
        try {
            ok = cv::imwrite(path.string(), centikelvin, params_);
        } catch (const cv::Exception& e) {
            throw Failure{kExitIo, "cannot write " + path.string() + ": " + e.what()};
        }
        if (!ok) throw Failure{kExitIo, "cannot write " + path.string() + " (disk full or not writable?)"};
        if (progress_ && (index % 25 == 0 || index + 1 == total_))
            std::fprintf(stderr, "\r%-24s %6d/%d frames", label_.c_str(), index + 1, total_);
    }

    void done() const {
        if (progress_) std::fprintf(stderr, "\r%*s\r", 48, "");
    }

private:
    fs::path dir_;
    std::vector<int> params_;
    int total_;
    std::string label_;
    bool progress_;
};

void write_truth(const fs::path& dir, const gate_scene::SceneTruth& truth) {
    // Written last and renamed into place: a truth.json only ever sits beside a complete set of frames.
    const fs::path tmp = dir / "truth.json.tmp", final_path = dir / "truth.json";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << gate_scene::truth_to_json(truth).dump() << '\n';
        out.flush();
        if (!out) throw Failure{kExitIo, "cannot write " + tmp.string() + " (disk full?)"};
    }
    std::error_code ec;
    fs::rename(tmp, final_path, ec);
    if (ec) throw Failure{kExitIo, "cannot rename " + tmp.string() + ": " + ec.message()};
}

struct Summary {
    std::string name;
    fs::path dir;
    int frames = 0, width = 0, height = 0, people = 0, febrile = 0, measurable = 0;
    double fps = 0, seconds = 0;
};

Summary generate_into(const Scenario& scenario, const fs::path& dir, bool overwrite, std::optional<int> compression, bool progress) {
    prepare_output(dir, overwrite);
    const auto start = std::chrono::steady_clock::now();
    PngWriter writer(dir, compression, scenario.frame_count(), scenario.name, progress);
    const gate_scene::SceneTruth truth = gate_scene::generate_scene(scenario, writer);
    writer.done();
    write_truth(dir, truth);
    Summary s;
    s.name = scenario.name;
    s.dir = dir;
    s.frames = scenario.frame_count();
    s.width = scenario.camera.width, s.height = scenario.camera.height, s.fps = scenario.camera.fps;
    s.people = static_cast<int>(truth.people.size());
    for (const auto& p : truth.people) s.febrile += p.febrile, s.measurable += p.measurable;
    s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return s;
}

void print_summary(const Summary& s, bool json_lines) {
    if (json_lines) {
        std::cout << nlohmann::json{{"scene", s.name},     {"dir", s.dir.string()}, {"frames", s.frames},
                                    {"width", s.width},    {"height", s.height},    {"fps", s.fps},
                                    {"people", s.people},  {"febrile", s.febrile},  {"measurable", s.measurable},
                                    {"seconds", std::round(s.seconds * 1000) / 1000}}
                         .dump()
                  << '\n';
        return;
    }
    std::printf("%-24s %5d frames %4dx%-4d @%3g fps  %2d people (%d febrile, %d measurable)  -> %s  %.2f s\n", s.name.c_str(),
                s.frames, s.width, s.height, s.fps, s.people, s.febrile, s.measurable, s.dir.c_str(), s.seconds);
}

void list_scenarios(bool json_lines) {
    if (!json_lines) std::printf("%-24s %-9s %4s %6s %6s %7s  %s\n", "NAME", "SIZE", "FPS", "SECS", "PEOPLE", "FEBRILE", "DESCRIPTION");
    for (const auto& builtin : gate_scene::builtin_scenarios()) {
        const Scenario s = gate_scene::parse_scenario(builtin.json, std::nullopt, "built-in " + std::string(builtin.name));
        int febrile = 0;
        for (const auto& p : s.people) febrile += (p.canthus_c - p.cold_canthus_drop_c) >= s.threshold_c;
        const std::string size = std::to_string(s.camera.width) + "x" + std::to_string(s.camera.height);
        if (json_lines) {
            std::cout << nlohmann::json{{"name", s.name},         {"width", s.camera.width}, {"height", s.camera.height},
                                        {"fps", s.camera.fps},    {"duration_s", s.duration_s},
                                        {"people", s.people.size()}, {"febrile", febrile}, {"description", s.description}}
                             .dump()
                      << '\n';
        } else {
            std::printf("%-24s %-9s %4g %6g %6zu %7d  %s\n", s.name.c_str(), size.c_str(), s.camera.fps, s.duration_s,
                        s.people.size(), febrile, s.description.c_str());
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app(kDescription, "gate_scene_gen");
    app.get_formatter()->column_width(34);
    bool list = false, all = false, overwrite = false, json_lines = false, quiet = false;
    std::string scenario_arg, out_dir;
    std::optional<std::uint64_t> seed;
    std::optional<int> compression;
    app.add_flag("--list", list, "List the built-in scenarios (name, size, fps, duration, people, description)");
    app.add_option("--scenario", scenario_arg, "A built-in scenario's NAME or a scenario FILE.json")->type_name("NAME|FILE");
    app.add_flag("--all", all, "Generate every built-in scenario, each into OUT/NAME");
    app.add_option("--out", out_dir, "Output directory (created if missing)")->type_name("DIR");
    app.add_option("--seed", seed, "Replace the scenario's own seed (same seed, same scene)")->type_name("N");
    app.add_flag("--overwrite", overwrite, "Replace an earlier scene's frame_*.png and truth.json in the output directory");
    app.add_option("--png-compression", compression,
                   "zlib level of the PNG frames, 0 to 9 (default: OpenCV's fast path, about zlib 1 and twice as fast)")
        ->check(CLI::Range(0, 9))
        ->type_name("N");
    app.add_flag("--json", json_lines, "Print the list or the summaries as JSON lines");
    app.add_flag("-q,--quiet", quiet, "No progress line on the terminal");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);
        std::cerr << "gate_scene_gen: " << e.what() << "\nRun with --help for usage.\n";
        return kExitUsage;
    }

    const auto usage = [](const std::string& message) {
        std::cerr << "gate_scene_gen: " << message << "\nRun with --help for usage.\n";
        return kExitUsage;
    };
    const int modes = static_cast<int>(list) + static_cast<int>(all) + static_cast<int>(!scenario_arg.empty());
    if (modes == 0) return usage("nothing to do: give --list, --scenario NAME|FILE.json or --all");
    if (modes > 1) return usage("give only one of --list, --scenario and --all");
    if (!list && out_dir.empty()) return usage("--out DIR is required to generate a scene");
    if (list && (!out_dir.empty() || seed)) return usage("--list takes no --out or --seed");

    // One thread: the generator's speed goal is stated for one core, and its output must not depend on threads.
    cv::setNumThreads(1);
    const bool progress = !quiet && ::isatty(STDERR_FILENO);
    try {
        if (list) {
            list_scenarios(json_lines);
            return 0;
        }
        if (!scenario_arg.empty()) {
            const Scenario scenario = load_scenario(scenario_arg, seed);
            print_summary(generate_into(scenario, out_dir, overwrite, compression, progress), json_lines);
            return 0;
        }
        double total = 0;
        int frames = 0;
        for (const auto& builtin : gate_scene::builtin_scenarios()) {
            const Scenario scenario = load_scenario(std::string(builtin.name), seed);
            const Summary s = generate_into(scenario, fs::path(out_dir) / scenario.name, overwrite, compression, progress);
            print_summary(s, json_lines);
            total += s.seconds;
            frames += s.frames;
        }
        if (!json_lines) std::printf("all %zu scenarios: %d frames in %.1f s\n", gate_scene::builtin_scenarios().size(), frames, total);
        return 0;
    } catch (const Failure& f) {
        std::cerr << "gate_scene_gen: " << f.message << '\n';
        return f.code;
    } catch (const std::exception& e) {
        std::cerr << "gate_scene_gen: internal error: " << e.what() << '\n';
        return 70;
    }
}
