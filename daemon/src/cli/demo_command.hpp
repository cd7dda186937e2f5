#pragma once
namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// `gatehouse demo`: the gateway on an embedded configuration with simulated terminals, no hardware needed.
void register_demo_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
