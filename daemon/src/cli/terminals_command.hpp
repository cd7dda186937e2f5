#pragma once

namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// `gatehouse terminals enroll ID --gate G`: a terminal's CURVE key pair and its `[[terminals]]` stanza (printed, or
/// appended to the configuration); `gatehouse terminals list`: the terminals and their state from the daemon.
void register_terminals_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
