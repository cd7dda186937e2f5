#pragma once

namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// `gatehouse users add|passwd|set-role|remove|list`: the web console's accounts in the users file.
void register_users_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
