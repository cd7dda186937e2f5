#pragma once
// The gateway service: terminal socket → validation → group-committed ledger → acks, plus the control socket.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/storage/event_record.hpp"

namespace gatehouse::daemon {

/// Hooks for embedding the gateway (the demo prints what it records; tests observe commits).
struct GatewayHooks {
    /// Called on the reactor thread after each event's commit, before its ack is sent.
    std::function<void(const storage::EventRecord&, storage::AppendOutcome)> on_recorded;
    /// Produces the configuration to switch to on reload (the service re-reads its file and re-applies its
    /// command-line overrides). Unset: re-read the file the running configuration came from.
    std::function<GatewayConfig()> reload_config;
};

/// A changed configuration key a subsystem could not take, and why (its running value stays).
struct KeyFailure {
    std::string key;
    std::string error;
};

/// What a reload did with the file (also the reply to the control socket's `reload`).
struct ReloadReport {
    bool accepted = false;
    std::string error;                          ///< Why the file was refused: the running configuration stays.
    std::vector<std::string> applied;           ///< Changed keys now in effect.
    std::vector<std::string> restart_required;  ///< Changed keys that take effect at the next start.
    std::vector<KeyFailure> failed;             ///< Changed keys that could not be applied.
};

/// The running gateway. The constructor performs start-up (its subsystems, in order: open the ledger, bind the
/// sockets, start the cameras, ...) and throws on failure with a message saying what to fix, after stopping what
/// had started; run() is the reactor loop. No message on any socket ends it: a failure while handling one is
/// answered (`internal`), counted and logged, and the loop goes on.
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
    /// The metrics HTTP address actually bound (HOST:PORT); empty when metrics are disabled.
    std::string metrics_address() const;

    /// The names of the subsystems, in start-up order (config_keys() assigns each key to one of them).
    static std::vector<std::string_view> subsystem_names();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::daemon
