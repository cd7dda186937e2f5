#pragma once
// The web console: gatehoused serves its guards and administrators a gate board, alerts, history, lists and health
// over HTTPS (docs/console.md). The last subsystem of the gateway's table: started after the sockets and consoles it
// follows, stopped before them.
#include <memory>
#include <string>

#include "gatehouse/daemon/gateway_config.hpp"

namespace zmq {
class context_t;
}

namespace gatehouse::daemon::web {

/// Where the web console reaches the gateway inside the daemon's process, as a control client and a console would,
/// on the gateway's own ZeroMQ context: no network, no keys, nothing shared but messages.
struct GatewayEndpoints {
    zmq::context_t* context = nullptr;
    std::string control;   ///< Control requests with REQ framing, as on listen.control (docs/protocol.md).
    std::string consoles;  ///< The console publication (SUB), as on listen.consoles; empty when that is disabled.
};

/// The running web console. It talks to the gateway only as a client would, over the gateway's in-process
/// endpoints (control commands, the console publication), and reads the ledger on connections of its own: nothing
/// it does waits on the reactor, and the reactor never waits on it.
///
/// Start-up (constructor), in order: check the TLS files, read the users file, open the ledger connections, start
/// the live feed, bind the listening socket, start serving. Throws ConfigError for what the configuration must fix
/// (TLS files, users file) and std::runtime_error when the address cannot be bound. Stop (destructor): end the live
/// streams, stop the server, join its threads; it must run before the gateway is destroyed.
/// Thread-safety: construct and destroy on one thread; url() from any.
class WebConsole {
public:
    WebConsole(const GatewayConfig& config, const GatewayEndpoints& gateway);
    ~WebConsole();
    WebConsole(const WebConsole&) = delete;
    WebConsole& operator=(const WebConsole&) = delete;

    /// "https://HOST:PORT/" (or http://) as bound: a port of 0 is resolved.
    const std::string& url() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::daemon::web
