#pragma once
namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// `gatehouse history PERSON`: one person's events and access decisions, merged in time order.
void register_history_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
