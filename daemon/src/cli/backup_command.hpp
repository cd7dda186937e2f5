#pragma once

namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// `gatehouse backup --out FILE`: an SQLite online backup of the ledger (also while the daemon writes), checked
/// with PRAGMA integrity_check, mode 0600.
void register_backup_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
