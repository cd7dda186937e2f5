#pragma once
#include <chrono>
#include <string>

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "curve_client_options.hpp"
#include "gatehouse/ipc/control_messages.hpp"

namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// Where a command finds the running daemon's control socket: --control wins, else listen.control of --config
/// (default /etc/gatehouse/gatehouse.toml). Adds both options, and --key / --server-key for a TCP (CURVE) control
/// socket, to a command.
class ControlTarget {
public:
    /// `key_listed_in`: where --key's public key must be listed, for its help ("[[admins]]" for the control socket).
    void add_options(CLI::App& command, const std::string& key_listed_in = "[[admins]]");
    /// Only --control (and the key options), for commands whose --config another option group already owns (it
    /// is passed to endpoint() and request()).
    void add_control_option(CLI::App& command, const std::string& key_listed_in = "[[admins]]");
    /// Whether --control was given.
    bool given() const { return !control_.empty(); }
    /// listen.control of the configuration. A file with an error still gives its listen.control (or the default
    /// endpoint), with a warning on stderr: the running daemon answers whatever the file on disk says. Throws
    /// ConfigError only when there is no file to read.
    std::string endpoint() const { return endpoint(config_); }
    std::string endpoint(const std::string& config) const;
    /// Sends one request to the control socket (see control_request), with the CURVE client key when given.
    nlohmann::json request(const ipc::ControlRequest& request) const { return this->request(request, config_); }
    nlohmann::json request(const ipc::ControlRequest& request, const std::string& config) const;
    /// The same to an endpoint the caller resolved itself (`config` still supplies a missing server key).
    nlohmann::json request(const ipc::ControlRequest& request, const std::string& endpoint, const std::string& config) const;
    /// The CURVE client set-up from --key / --server-key (the configuration supplies a missing server key), or
    /// nullopt without --key.
    std::optional<CurveClient> curve_client() const { return curve_client(config_); }
    std::optional<CurveClient> curve_client(const std::string& config) const;

private:
    std::string config_;
    std::string control_;
    CurveClientOptions keys_;
};


/// The daemon did not answer on its control socket (not running, or not reachable): `gatehouse` exits 69.
class DaemonUnavailable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Sends one request to the daemon's control socket and returns its reply. Throws DaemonUnavailable naming the
/// endpoint when the daemon does not answer within `timeout`, std::runtime_error when it refuses the request.
/// `curve`: the client key for a CURVE (TCP) control socket.
nlohmann::json control_request(const std::string& endpoint, const ipc::ControlRequest& request,
                               std::chrono::milliseconds timeout = std::chrono::seconds(3),
                               const CurveClient* curve = nullptr);

}  // namespace gatehouse::daemon::cli
