#pragma once
namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// `gatehouse lists import|export|show`: the allow (白名单) and deny lists in the ledger.
void register_lists_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
