#pragma once

namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// `gatehouse keygen --out PREFIX`: a CURVE key pair as PREFIX.key (secret, 0600) and PREFIX.pub.
void register_keygen_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
