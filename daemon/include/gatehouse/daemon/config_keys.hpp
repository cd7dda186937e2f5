#pragma once
// Every key of the configuration file, which subsystem applies it, and whether a running gateway takes a new value
// at once (reload) or at its next start. config/gatehouse.toml says the same per key; a test checks that every field
// of GatewayConfig is covered.
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/daemon/gateway_config.hpp"

namespace gatehouse::daemon {

/// How a running gateway takes a changed key.
enum class KeyApply {
    live,     ///< At the reload.
    restart,  ///< At the next start; until then the running value stays (and status shows it).
};

/// One key of the file (or a whole array of tables, such as "terminals"), as reload compares it.
struct ConfigKey {
    std::string_view name;       ///< As in the file: "limits.seq_window", "terminals".
    std::string_view subsystem;  ///< The subsystem that applies it (the gateway's table names them).
    KeyApply apply;
    bool (*differs)(const GatewayConfig& running, const GatewayConfig& next);
    /// Puts the running value into `next` (a key that waits for a restart, or whose subsystem failed to apply it).
    void (*keep)(const GatewayConfig& running, GatewayConfig& next);
};

/// The keys, in the order of config/gatehouse.toml.
const std::vector<ConfigKey>& config_keys();

/// The keys whose value differs between `running` and `next`.
std::vector<const ConfigKey*> changed_keys(const GatewayConfig& running, const GatewayConfig& next);

}  // namespace gatehouse::daemon
