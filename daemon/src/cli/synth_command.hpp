#pragma once
// `gatehouse synth`: render a synthetic gate scenario to a PNG directory with its ground truth.

namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// Registers `gatehouse synth --scenario NAME|FILE --out DIR` (and `--list`).
void register_synth_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
