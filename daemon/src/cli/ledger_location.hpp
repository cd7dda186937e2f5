#pragma once
#include <filesystem>
#include <string>

#include "gatehouse/daemon/local_time_zone.hpp"

namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

inline constexpr const char* kDefaultConfigPath = "/etc/gatehouse/gatehouse.toml";

/// Where a read-only command finds the ledger: --ledger wins, else ledger.path of --config (default
/// /etc/gatehouse/gatehouse.toml). Adds both options to `command`.
class LedgerLocation {
public:
    void add_options(CLI::App& command);
    /// Throws ConfigError (bad config) or std::runtime_error (nothing to go on).
    std::filesystem::path resolve() const;
    /// The zone of the configuration's gateway.timezone (--config, or the default file when it exists); the
    /// system's zone without a configuration. What a date in --since means.
    LocalTimeZone time_zone() const;
    /// The --config value as given (empty when not given).
    const std::string& config() const { return config_; }

private:
    std::string ledger_;
    std::string config_;
};

}  // namespace gatehouse::daemon::cli
