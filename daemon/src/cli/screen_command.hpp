#pragma once
// `gatehouse screen`: run thermal screening over a frame source and print one result per person.
#include <iosfwd>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// The command line of `gatehouse screen`, parsed.
struct ScreenOptions {
    std::string source;                   ///< v4l2:/dev/videoN, dir:PATH, cptv:FILE, synthetic:NAME|FILE
    std::optional<double> fps;            ///< dir: playback rate; v4l2: requested rate
    std::string units = "centikelvin";    ///< centikelvin | linear
    std::optional<double> gain;           ///< linear units: °C per count
    std::optional<double> offset;         ///< linear units: °C at count 0
    int rotate = 0;                       ///< clockwise degrees to make frames upright
    bool mirror = false;
    std::optional<std::string> blackbody; ///< X,Y,W,H@C | circle:X,Y,W,H@C | auto@C
    double threshold = 37.3;
    double body_offset = 0.0;
    bool adaptive = false;                ///< FLIR-style adaptive baseline on top of the threshold
    std::optional<std::string> snapshots; ///< directory for evidence JPEGs
    bool snapshot_all = false;
    bool json = false;
    bool explain = false;                 ///< print what each frame showed and why (extra "explain" objects in --json)
    std::optional<std::string> render;    ///< write every frame as an annotated false-colour PNG here
    std::optional<long> max_frames;       ///< stop after this many frames (live cameras, tests)
};

/// Runs the screening; writes results to `out` and problems to `err`. Returns a process exit code
/// (0 ok, 64 usage, 65 corrupt frames were skipped, 69 source unavailable).
int run_screen(const ScreenOptions& options, std::ostream& out, std::ostream& err, bool colour);

/// Registers `gatehouse screen` on the CLI.
void register_screen_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
