#pragma once
namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// `gatehouse check-config FILE`: validate a configuration without starting anything.
void register_check_config_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
