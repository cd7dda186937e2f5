#pragma once
// The gateway service: terminal socket → validation → group-committed ledger → acks, plus the control socket.
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/storage/event_record.hpp"

namespace zmq {
class context_t;
}

namespace gatehouse::daemon {

/// Where a subsystem running inside the daemon's process (the web console) reaches the gateway as a control client
/// and a console would, on the gateway's own ZeroMQ context: no network, no keys, nothing shared but messages.
struct InProcessEndpoints {
    zmq::context_t* context = nullptr;
    std::string control;   ///< Control requests with REQ framing, as on listen.control (docs/protocol.md).
    std::string consoles;  ///< The console publication (SUB), as on listen.consoles; empty when that is disabled.
};

/// Hooks for embedding the gateway (the demo prints what it records; tests observe commits).
struct GatewayHooks {
    /// Called on the reactor thread after each event's commit, before its ack is sent.
    std::function<void(const storage::EventRecord&, storage::AppendOutcome)> on_recorded;
    /// Produces the configuration to switch to on reload (the service re-reads its file and re-applies its
    /// command-line overrides). Unset: re-read the file the running configuration came from.
    std::function<GatewayConfig()> reload_config;
};

/// The running gateway. The constructor performs start-up (open the ledger, bind the sockets) and throws on
/// failure with a message saying what to fix; run() is the reactor loop.
///
/// Thread-safety: run() on one thread; request_stop() and request_reload() are safe from any thread. Status is served on the
/// control socket by the reactor itself, so no state is shared between threads.
class Gateway {
public:
    explicit Gateway(GatewayConfig config, GatewayHooks hooks = {});
    ~Gateway();
    Gateway(const Gateway&) = delete;
    Gateway& operator=(const Gateway&) = delete;

    /// Serves until request_stop(); then commits and acks what it has received, and returns.
    void run();
    /// Asks run() to finish; returns at once.
    void request_stop();
    /// Asks run() to reload the configuration (SIGHUP): validated first, an invalid one is rejected with
    /// its reason and the running configuration stays. Returns at once.
    void request_reload();

    /// The endpoints actually bound (a tcp port of 0 is resolved to the port the OS picked).
    std::string terminal_endpoint() const;
    std::string control_endpoint() const;
    /// The console (XPUB) endpoint actually bound; empty when consoles are disabled.
    std::string console_endpoint() const;
    /// The in-process control and console endpoints (valid as long as the gateway lives; close every socket on them
    /// before destroying it).
    InProcessEndpoints in_process_endpoints() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::daemon
