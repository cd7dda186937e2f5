#pragma once
// `gatehouse tail`: a live console in the terminal (decisions and alerts as they happen).
namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

void register_tail_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
