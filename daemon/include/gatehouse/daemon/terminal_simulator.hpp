#pragma once
// Simulated gate terminals: what the demo, the integration tests and the benchmarks drive the gateway with.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gatehouse/ipc/curve_keys.hpp"

namespace gatehouse::daemon {

/// What to simulate. Terminal ids must be configured on the gateway.
struct SimulatorOptions {
    std::string endpoint = "tcp://127.0.0.1:5560";
    std::vector<std::string> terminal_ids;
    /// Total events per second across all terminals; 0 sends as fast as the unacked window allows.
    double rate = 100;
    /// Stop after this many events (0: no limit) or this long, whichever comes first.
    std::int64_t count = 0;
    std::chrono::milliseconds duration{10000};
    /// Every Nth message is a bad one (cycling through the bad-input classes); 0 sends none.
    int bad_every = 0;
    /// Size of the oversize bad message; must exceed the gateway's limits.max_message_bytes.
    std::size_t oversize_bytes = 80 * 1024;
    /// Unacked events allowed per terminal before it waits.
    std::size_t window = 512;
    /// After sending, how long to wait for the last acks.
    std::chrono::milliseconds drain_timeout{5000};
    std::chrono::milliseconds heartbeat_interval{1000};
    /// CURVE: the gateway's public key (Z85) and each terminal's own key pair, by terminal id. Empty: plaintext.
    std::string server_public_key;
    std::map<std::string, ipc::CurveKeyPair> terminal_keys;
};

/// Outcome of a simulation; `ok()` when every good event was acked and every bad message answered.
struct SimulatorReport {
    std::uint64_t sent = 0;          ///< Good events sent.
    std::uint64_t acked = 0;         ///< Distinct good events acked.
    std::uint64_t duplicates = 0;    ///< Acks flagged duplicate.
    std::uint64_t event_errors = 0;  ///< Error replies naming a good event's seq.
    std::uint64_t bad_sent = 0;
    std::uint64_t bad_answered = 0;  ///< Error replies without a seq (answers to bad messages).
    std::uint64_t unacked = 0;       ///< Good events without an ack when the drain timed out.
    std::map<std::string, std::uint64_t> error_codes;
    double seconds = 0;
    double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;  ///< Ack latency of good events.

    bool ok() const { return unacked == 0 && event_errors == 0 && bad_answered == bad_sent; }
    double acked_per_second() const { return seconds > 0 ? static_cast<double>(acked) / seconds : 0; }
    nlohmann::json to_json() const;
};

/// Runs the simulation on the calling thread: hello from each terminal (continuing after the gateway's
/// last_seq), then events at the target rate with heartbeats, then waits for outstanding acks.
/// `stop` (optional) ends the sending phase early.
SimulatorReport run_simulation(const SimulatorOptions& options, const std::atomic<bool>* stop = nullptr);

}  // namespace gatehouse::daemon
