#pragma once
namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// `gatehouse erase --person ID`: removes one person's records from the ledger, their snapshots and the unsent outbox.
void register_erase_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
