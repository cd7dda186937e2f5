#pragma once
namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// `gatehouse status` (the running daemon's terminals and counters) and `gatehouse reload`, over the control
/// socket.
void register_status_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
