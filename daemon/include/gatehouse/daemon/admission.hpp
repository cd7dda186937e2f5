#pragma once
// The first stage of the gateway's pipeline: one terminal frame in, either an admitted typed message or the one
// error reply to send. No socket, no ledger: testable with frames and a registry.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "gatehouse/daemon/terminal_registry.hpp"
#include "gatehouse/daemon/token_bucket.hpp"
#include "gatehouse/ipc/terminal_endpoint.hpp"
#include "gatehouse/ipc/terminal_messages.hpp"

namespace gatehouse::daemon {

/// What admission enforces (from [limits]); a reload replaces them.
struct AdmissionLimits {
    std::size_t max_message_bytes = 64 * 1024;
    double terminal_rate = 2000;  ///< Messages per second per terminal; 0: no limit.
    std::int64_t terminal_burst = 20000;
    std::chrono::seconds max_future_skew{300};

    static AdmissionLimits from(const GatewayConfig& config);
};

/// A terminal message admitted into the pipeline.
using TerminalMessage = std::variant<ipc::Hello, ipc::Heartbeat, ipc::Event, ipc::AccessRequest>;

/// A message that passed every check, and the registry entry of the terminal it speaks for.
struct Admitted {
    TerminalMessage message;
    TerminalState* terminal = nullptr;  ///< Valid until the registry is next reconfigured.
    bool came_online = false;           ///< The terminal had been offline (or never seen) until this message.
};

/// A refused frame: the error to send back, and the terminal it named (for the log), if any.
struct Refused {
    ipc::ProtocolError error;
    std::string terminal;
};

using AdmissionVerdict = std::variant<Admitted, Refused>;

/// Admits terminal frames: decodes each once (ipc::decode_terminal_message) and checks, in this order, the frame
/// (size, one part), the message (the codec's validation), the identity (a CURVE connection's key is still listed
/// and speaks for its own terminal only), the registry (a configured terminal), the rate (per-terminal token
/// bucket), the clock (an event's ts not too far ahead) and the sequence (an event's seq within the window, which
/// then advances the terminal's highest seq). The first check that fails gives the one error reply.
/// Thread-safety: none; owned by the reactor.
class Admission {
public:
    Admission(TerminalRegistry& registry, AdmissionLimits limits) : registry_(registry), limits_(limits) {}

    void set_limits(const AdmissionLimits& limits);
    AdmissionVerdict admit(const ipc::InboundFrame& frame, SteadyTime now, std::int64_t wall_now_ms);
    /// A message an adapter decoded from a vendor device (adapters/): the same checks from the identity on.
    AdmissionVerdict admit_decoded(const std::string& peer, TerminalMessage message, SteadyTime now,
                                   std::int64_t wall_now_ms);

private:
    AdmissionVerdict admit_message(const ipc::InboundFrame& frame, TerminalMessage message, SteadyTime now,
                                   std::int64_t wall_now_ms);

    TerminalRegistry& registry_;
    AdmissionLimits limits_;
    std::map<std::string, TokenBucket> buckets_;  ///< Per configured terminal: made-up ids cannot grow it.
};

}  // namespace gatehouse::daemon
