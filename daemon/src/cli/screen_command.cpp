#include "screen_command.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/core/utility.hpp>

#include "exit_codes.hpp"
#include "interrupt_guard.hpp"
#include "gatehouse/vision/explained_frame.hpp"
#include "gatehouse/vision/frame_source_factory.hpp"
#include "gatehouse/vision/screening_pipeline.hpp"

namespace gatehouse::daemon::cli {

namespace {

using namespace gatehouse::vision;

/// Prints results for people (a table, coloured on a terminal) or for programs (JSON lines).
class ScreeningPrinter {
public:
    ScreeningPrinter(std::ostream& out, bool json, bool colour) : out_(out), json_(json), colour_(colour) {}

    void screening(const Screening& s) {
        ++counts_[static_cast<int>(s.verdict)];
        if (json_) {
            out_ << to_json(s).dump() << '\n' << std::flush;
            return;
        }
        if (!header_) {
            out_ << "  frame   time_s  track  verdict    celsius  reason           bbox (source)       snapshot\n";
            header_ = true;
        }
        const char* paint = "";
        if (colour_) paint = s.verdict == Verdict::elevated ? "\033[1;31m" : s.verdict == Verdict::uncertain ? "\033[33m" : "\033[32m";
        char line[256];
        const std::string temperature = s.celsius ? format("%.1f", *s.celsius) : "-";
        const std::string box = format("%d,%d %dx%d", s.bbox.x, s.bbox.y, s.bbox.width, s.bbox.height);
        std::snprintf(line, sizeof line, "%7lld %8.2f %6lld  %s%-9s%s  %7s  %-15s  %-18s  %s", static_cast<long long>(s.frame),
                      static_cast<double>(s.time_ms) / 1000.0, static_cast<long long>(s.track), paint,
                      std::string(to_string(s.verdict)).c_str(), colour_ ? "\033[0m" : "", temperature.c_str(),
                      s.verdict == Verdict::uncertain ? std::string(to_string(s.reason)).c_str() : "", box.c_str(),
                      s.snapshot.value_or("").c_str());
        out_ << line << '\n' << std::flush;
    }

    void health(const CameraHealth& h) {
        if (json_) {
            out_ << to_json(h).dump() << '\n' << std::flush;
            return;
        }
        std::string text = "camera: reference " + std::string(to_string(h.reference));
        if (h.reference_reading_celsius) text += format(" (reads %.2f °C", *h.reference_reading_celsius);
        if (h.reference_reading_celsius && h.reference_offset_celsius) text += format(", offset %+.2f", *h.reference_offset_celsius);
        if (h.reference_reading_celsius) text += ")";
        if (h.reference_core)
            text += format(" core %d,%d %dx%d", h.reference_core->x, h.reference_core->y, h.reference_core->width,
                           h.reference_core->height);
        text += format(", %.1f fps, %lld frames, %lld dropped", h.fps, static_cast<long long>(h.frames),
                       static_cast<long long>(h.dropped_frames));
        if (colour_ && h.reference_fault()) text = "\033[1;31m" + text + "\033[0m";
        out_ << text << '\n' << std::flush;
    }

    void explanation(const FrameExplanation& e) {
        if (json_) {
            out_ << to_json(e).dump() << '\n';
            return;
        }
        // Frames where nothing warm was in view say nothing new.
        if (e.tracks.empty() && e.candidates.empty() && e.reference == last_reference_) return;
        last_reference_ = e.reference;
        out_ << (colour_ ? "\033[2m" : "") << to_text(e) << (colour_ ? "\033[0m" : "") << '\n';
    }

    void summary() {
        if (json_) return;
        out_ << counts_[0] + counts_[1] + counts_[2] << " screenings: " << counts_[static_cast<int>(Verdict::elevated)]
             << " elevated, " << counts_[static_cast<int>(Verdict::normal)] << " normal, "
             << counts_[static_cast<int>(Verdict::uncertain)] << " uncertain\n";
    }

private:
    template <typename... Args>
    static std::string format(const char* pattern, Args... args) {
        char buffer[128];
        std::snprintf(buffer, sizeof buffer, pattern, args...);
        return buffer;
    }

    std::ostream& out_;
    bool json_;
    bool colour_;
    bool header_ = false;
    int counts_[3] = {0, 0, 0};
    ReferenceState last_reference_ = ReferenceState::not_configured;
};

/// Builds the pipeline configuration; returns an error message instead when an option is invalid.
std::optional<ScreeningConfig> make_config(const ScreenOptions& o, std::string& error) {
    ScreeningConfig config;
    try {
        if (o.units == "linear") {
            if (!o.gain || !o.offset) {
                error = "--units linear needs --gain and --offset";
                return std::nullopt;
            }
            config.radiometry = Radiometry::linear(*o.gain, *o.offset);
        } else if (o.units == "centikelvin") {
            if (o.gain || o.offset) {
                error = "--gain and --offset only apply to --units linear";
                return std::nullopt;
            }
        } else {
            error = "--units must be centikelvin or linear";
            return std::nullopt;
        }
        config.orientation = Orientation(o.rotate, o.mirror);
        if (o.blackbody) {
            const auto reference = ReferenceConfig::parse(*o.blackbody, error);
            if (!reference) {
                error = "--blackbody: " + error;
                return std::nullopt;
            }
            config.reference = *reference;
        }
        config.threshold_celsius = o.threshold;
        config.body_offset_celsius = o.body_offset;
        config.baseline.enabled = o.adaptive;
        if (o.snapshots) config.snapshot_dir = *o.snapshots;
        config.snapshot_all = o.snapshot_all;
        config.explain = o.explain || o.render.has_value();
        config.validate();
    } catch (const std::invalid_argument& e) {
        error = e.what();
        return std::nullopt;
    }
    return config;
}

}  // namespace

int run_screen(const ScreenOptions& options, std::ostream& out, std::ostream& err, bool colour) {
    std::string error;
    const auto config = make_config(options, error);
    if (!config) {
        err << "gatehouse screen: " << error << '\n';
        return kExitUsage;
    }
    std::string spec_error;
    const auto spec = SourceSpec::parse(options.source, spec_error);
    if (!spec) {
        err << "gatehouse screen: " << spec_error << '\n';
        return kExitUsage;
    }
    SourceOptions source_options;
    source_options.fps = options.fps;
    std::unique_ptr<FrameSource> source;
    try {
        source = open_frame_source(*spec, source_options);
    } catch (const SourceUnavailable& e) {
        err << "gatehouse screen: " << e.what() << '\n';
        return kExitUnavailable;
    } catch (const std::exception& e) {
        err << "gatehouse screen: " << e.what() << '\n';
        return kExitDataError;
    }

    const InterruptGuard guard;
    ScreeningPipeline pipeline(*config);
    ScreeningPrinter printer(out, options.json, colour);
    const bool live = spec->scheme == SourceSpec::Scheme::v4l2;
    long frames = 0;
    int bad_frames = 0;
    auto backoff = std::chrono::milliseconds(500);
    while (!guard.interrupted() && (!options.max_frames || frames < *options.max_frames)) {
        std::optional<Frame> frame;
        try {
            frame = source->next();
            backoff = std::chrono::milliseconds(500);
        } catch (const FrameError& e) {
            // Corrupt input: name it and carry on with the next frame where the format allows.
            err << "gatehouse screen: " << e.what() << '\n';
            ++bad_frames;
            continue;
        } catch (const SourceUnavailable& e) {
            if (!live) {
                err << "gatehouse screen: " << e.what() << '\n';
                return kExitUnavailable;
            }
            // A camera that went away: retry with backoff until it is back or we are interrupted.
            err << "gatehouse screen: " << e.what() << "; retrying in " << backoff.count() << " ms\n";
            std::this_thread::sleep_for(backoff);
            backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
            continue;
        }
        if (!frame) break;
        ++frames;
        const auto& result = pipeline.process(*frame);
        if (result.error) {
            err << "gatehouse screen: " << source->describe() << ": " << *result.error << '\n';
            ++bad_frames;
            continue;
        }
        if (result.health) printer.health(*result.health);
        if (result.explanation && options.explain) printer.explanation(*result.explanation);
        if (result.explanation && options.render &&
            !write_explained_frame(*options.render, frame->raw, config->radiometry, config->orientation,
                                   *result.explanation, result.screenings)) {
            err << "gatehouse screen: cannot write a rendered frame into " << *options.render << '\n';
            return kExitCantCreate;
        }
        for (const auto& s : result.screenings) printer.screening(s);
    }
    for (const auto& s : pipeline.finish()) printer.screening(s);
    printer.summary();
    return bad_frames > 0 ? kExitDataError : kExitOk;
}

void register_screen_command(CLI::App& app) {
    auto options = std::make_shared<ScreenOptions>();
    auto* cmd = app.add_subcommand("screen", "Screen people's temperature from a thermal frame source");
    cmd->add_option("--source", options->source, "v4l2:/dev/videoN | dir:PATH | cptv:FILE | synthetic:NAME|FILE")
        ->required();
    cmd->add_option("--fps", options->fps, "Frame rate of a dir: source (default 9) or requested from a camera")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--units", options->units, "Raw units: centikelvin (default) or linear")
        ->check(CLI::IsMember({"centikelvin", "linear"}));
    cmd->add_option("--gain", options->gain, "Linear units: °C per raw count");
    cmd->add_option("--offset", options->offset, "Linear units: °C at raw count 0");
    cmd->add_option("--rotate", options->rotate, "Rotate frames clockwise by 0, 90, 180 or 270 degrees")
        ->check(CLI::IsMember({0, 90, 180, 270}));
    cmd->add_flag("--mirror", options->mirror, "Mirror frames left-right (after rotating)");
    cmd->add_option("--blackbody", options->blackbody,
                    "Reference: X,Y,W,H@CELSIUS (source pixels), circle:X,Y,W,H@CELSIUS or auto@CELSIUS");
    cmd->add_option("--threshold", options->threshold, "Elevated at or above this many °C (34-39, default 37.3)")
        ->check(CLI::Range(34.0, 39.0));
    cmd->add_option("--body-offset", options->body_offset, "Added to the canthus reading (°C, default 0)");
    cmd->add_flag("--adaptive", options->adaptive, "Also alarm at the running average of normal readings + 1 °C");
    cmd->add_option("--snapshots", options->snapshots, "Write evidence JPEGs (elevated and uncertain) here");
    cmd->add_flag("--snapshot-all", options->snapshot_all, "Write evidence for normal verdicts too");
    cmd->add_flag("--json", options->json, "One JSON object per line (screenings and camera health)");
    cmd->add_flag("--explain", options->explain,
                  "Say per frame what was found, rejected and why (in --json: extra objects of type \"explain\")");
    cmd->add_option("--render", options->render,
                    "Write each frame as a false-colour PNG with heads, tracks, reference core and verdicts drawn");
    cmd->add_option("--max-frames", options->max_frames, "Stop after this many frames")->check(CLI::PositiveNumber);
    cmd->callback([options] {
        // One pipeline thread, as the benchmark measures it; OpenCV's own threads would only add contention.
        cv::setNumThreads(1);
        const bool colour = !options->json && ::isatty(STDOUT_FILENO);
        finish(run_screen(*options, std::cout, std::cerr, colour));
    });
}

}  // namespace gatehouse::daemon::cli
