#pragma once
// What the gateway knows about each configured terminal while it runs: connection, liveness, sequence.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/daemon/steady_time.hpp"
#include "gatehouse/ipc/terminal_messages.hpp"

namespace gatehouse::daemon {

/// Live state of one configured terminal.
struct TerminalState {
    TerminalConfig config;
    std::string peer;              ///< ZeroMQ routing id of its latest connection; empty before any message.
    bool online = false;
    SteadyTime last_seen{};
    std::optional<std::int64_t> highest_seq;  ///< Highest seq stored or accepted into the pending batch.
    std::string reported_kind;     ///< From its last hello.
    std::string firmware;
    std::uint64_t events = 0;      ///< Events accepted since start.
};

/// The set of configured terminals and their live state. Unknown terminal ids are refused here.
/// Thread-safety: none; owned by the reactor thread.
class TerminalRegistry {
public:
    TerminalRegistry(const std::vector<TerminalConfig>& terminals, std::chrono::milliseconds heartbeat_timeout,
                     std::int64_t seq_window);

    /// Seeds highest_seq from the ledger at start-up.
    void seed_last_seq(const std::map<std::string, std::int64_t>& last_seq);

    TerminalState* find(const std::string& id);
    /// Marks the terminal seen on `peer`; true when it was offline (or never seen) before.
    bool note_seen(TerminalState& terminal, const std::string& peer, SteadyTime now);
    /// Checks an event's seq against the window around the terminal's highest seq; on success the seq
    /// becomes the new highest when it is larger.
    std::optional<ipc::ErrorCode> admit_seq(TerminalState& terminal, std::int64_t seq, std::string& why);
    /// Terminals whose heartbeat timed out since the last call; they are now offline.
    std::vector<std::string> expire(SteadyTime now);

    /// New heartbeat timeout and seq window (reload).
    void set_limits(std::chrono::milliseconds heartbeat_timeout, std::int64_t seq_window) {
        heartbeat_timeout_ = heartbeat_timeout;
        seq_window_ = seq_window;
    }
    /// Replaces the configured set (reload); state of terminals that stay is kept.
    void reconfigure(const std::vector<TerminalConfig>& terminals);

    const std::map<std::string, TerminalState>& all() const { return terminals_; }
    std::size_t online_count() const;

private:
    std::map<std::string, TerminalState> terminals_;
    std::chrono::milliseconds heartbeat_timeout_;
    std::int64_t seq_window_;
};

}  // namespace gatehouse::daemon
