#pragma once
// --key and --server-key: the CURVE identity a CLI command connects to the gateway's sockets with.
#include <optional>
#include <string>

#include <zmq.hpp>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/ipc/curve_keys.hpp"

namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// A client key pair and the server key it trusts.
struct CurveClient {
    ipc::CurveKeyPair client;
    std::string server_public_key;

    void apply(zmq::socket_t& socket) const { ipc::configure_curve_client(socket, client, server_public_key); }
};

/// The options of a command that connects to a CURVE socket. Without --server-key the gateway's public key is
/// taken from the configuration: the PREFIX.pub beside its secret_key_file (as `gatehouse keygen` writes them), else
/// derived from the secret key file when this user may read it.
class CurveClientOptions {
public:
    /// Adds --key FILE and --server-key Z85|FILE to `command`; `role` says which [[...]] list the key must be in.
    void add_options(CLI::App& command, const std::string& role);
    /// Whether --key was given.
    bool given() const { return !key_file_.empty(); }
    /// The client set-up, or nullopt without --key. Throws ConfigError / CurveKeyError with what to fix.
    std::optional<CurveClient> resolve(const GatewayConfig* config) const;

private:
    std::string key_file_;
    std::string server_key_;
};

/// The gateway's public key from its configuration (see CurveClientOptions); throws ConfigError when none is found.
std::string server_public_key_from(const GatewayConfig& config);

}  // namespace gatehouse::daemon::cli
