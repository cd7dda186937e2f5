#pragma once
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// Where a command finds the running daemon's control socket: --control wins, else listen.control of --config
/// (default /etc/gatehouse/gatehouse.toml). Adds both options to a command.
class ControlTarget {
public:
    void add_options(CLI::App& command);
    /// Only --control, for commands whose --config another option group already owns (it is passed to endpoint()).
    void add_control_option(CLI::App& command);
    /// Throws ConfigError when the configuration cannot be read.
    std::string endpoint() const { return endpoint(config_); }
    std::string endpoint(const std::string& config) const;

private:
    std::string config_;
    std::string control_;
};


/// Sends one request to the daemon's control socket and returns its reply. Throws std::runtime_error
/// naming the endpoint when the daemon does not answer within `timeout`.
nlohmann::json control_request(const std::string& endpoint, const nlohmann::json& request,
                               std::chrono::milliseconds timeout = std::chrono::seconds(3));

}  // namespace gatehouse::daemon::cli
