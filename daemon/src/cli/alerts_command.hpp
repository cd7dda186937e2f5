#pragma once
// `gatehouse alerts list|show|ack|close`: operators see and handle the gateway's alerts.
namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

void register_alerts_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
