#pragma once

namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// `gatehouse report daily|range|log`: the inspectors' ledger from the ledger (docs/reports.md).
void register_report_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
