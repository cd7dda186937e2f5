#include "synth_command.hpp"

#include <filesystem>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "exit_codes.hpp"
#include "gatehouse/vision/synthetic_scene.hpp"

namespace gatehouse::daemon::cli {

namespace {

struct SynthOptions {
    std::string scenario;
    std::string out;
    bool list = false;
};

int run_synth(const SynthOptions& options) {
    using namespace gatehouse::vision;
    if (options.list) {
        for (const auto& spec : builtin_scenes()) std::cout << spec.name << "\t" << spec.description << '\n';
        return kExitOk;
    }
    if (options.scenario.empty() || options.out.empty()) {
        std::cerr << "gatehouse synth: --scenario and --out are required (or --list)\n";
        return kExitUsage;
    }
    SceneSpec spec;
    if (auto builtin = builtin_scene(options.scenario)) {
        spec = std::move(*builtin);
    } else if (std::filesystem::is_regular_file(options.scenario)) {
        try {
            spec = load_scene_file(options.scenario);
        } catch (const std::exception& e) {
            std::cerr << "gatehouse synth: " << e.what() << '\n';
            return kExitDataError;
        }
    } else {
        std::cerr << "gatehouse synth: '" << options.scenario
                  << "' is neither a built-in scenario (see --list) nor a scenario file\n";
        return kExitNoInput;
    }
    try {
        SceneRenderer renderer(spec);
        const auto frames = write_scene(renderer, options.out);
        std::cout << "wrote " << frames << " frames (" << spec.camera.width << "x" << spec.camera.height
                  << ", centikelvin, " << spec.camera.fps << " fps) and truth.json to " << options.out << '\n';
    } catch (const std::exception& e) {
        std::cerr << "gatehouse synth: " << e.what() << '\n';
        return kExitFailure;
    }
    return kExitOk;
}

}  // namespace

void register_synth_command(CLI::App& app) {
    auto options = std::make_shared<SynthOptions>();
    auto* cmd = app.add_subcommand("synth", "Render a synthetic thermal gate scenario as 16-bit PNGs + truth.json");
    cmd->add_option("--scenario", options->scenario, "Built-in scenario name or scenario JSON file");
    cmd->add_option("--out", options->out, "Output directory");
    cmd->add_flag("--list", options->list, "List the built-in scenarios");
    cmd->callback([options] { finish(run_synth(*options)); });
}

}  // namespace gatehouse::daemon::cli
