#include "ledger_location.hpp"

#include <CLI/CLI.hpp>

#include "gatehouse/daemon/gateway_config.hpp"

namespace gatehouse::daemon::cli {

void LedgerLocation::add_options(CLI::App& command) {
    command.add_option("--ledger", ledger_, "Ledger database file (default: ledger.path from the configuration)");
    command.add_option("--config,-c", config_, std::string("Configuration file (default ") + kDefaultConfigPath + ")");
}

LocalTimeZone LedgerLocation::time_zone() const {
    const std::string config = config_.empty() ? kDefaultConfigPath : config_;
    if (config_.empty() && !std::filesystem::exists(config)) return LocalTimeZone::system();
    return load_config_file(config).time_zone();
}

std::filesystem::path LedgerLocation::resolve() const {
    if (!ledger_.empty()) return ledger_;
    const std::string config = config_.empty() ? kDefaultConfigPath : config_;
    if (config_.empty() && !std::filesystem::exists(config)) {
        throw std::runtime_error("no --ledger given and no configuration at " + config +
                                 "; pass --ledger PATH or --config FILE");
    }
    return load_config_file(config).ledger_path;
}

}  // namespace gatehouse::daemon::cli
