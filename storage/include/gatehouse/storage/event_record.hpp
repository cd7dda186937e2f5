#pragma once
// The ledger's row types for terminal events. Plain values: storage knows nothing of the wire protocol.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>

namespace gatehouse::storage {

/// One terminal event as the ledger stores it. `data_json` holds the kind's own fields as a JSON object,
/// so new event kinds need no schema change.
struct EventRecord {
    std::string terminal;               ///< Terminal id (unique per gateway).
    std::int64_t seq = 0;               ///< Per-terminal sequence number; (terminal, seq) is unique.
    std::string gate;                   ///< Gate the terminal belongs to (from configuration).
    std::string kind;                   ///< credential, health_code, temperature, door, tamper, fault, ...
    std::optional<std::string> person;  ///< Person id where the kind names one.
    std::int64_t occurred_ms = 0;       ///< Terminal's own timestamp, ms since the Unix epoch (UTC).
    std::int64_t received_ms = 0;       ///< Gateway's wall clock when the event arrived, ms since the epoch.
    bool offline = false;               ///< Buffered on the terminal while it could not reach the gateway.
    std::string data_json = "{}";       ///< Kind-specific fields, a JSON object.
};

/// What makes an event unique in the ledger: its terminal and seq. Records that exist only because of one event (its
/// outbox entry, the alert it raised) name it by this key, and are written only when the event is newly stored.
struct EventKey {
    std::string terminal;
    std::int64_t seq = 0;
    auto operator<=>(const EventKey&) const = default;
};

/// An event read back from the ledger, with its row id (ascending in commit order).
struct StoredEvent {
    std::int64_t id = 0;
    EventRecord event;
};

/// Result of appending one event: newly stored, or already present (a resend) and left untouched.
enum class AppendOutcome { stored, duplicate };

}  // namespace gatehouse::storage
