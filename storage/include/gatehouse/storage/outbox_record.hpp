#pragma once
// What waits in the outbox to go upstream. Plain values: storage knows nothing of MQTT or HTTP.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gatehouse/storage/event_record.hpp"

namespace gatehouse::storage {

/// Outbox lanes in priority order: a lower value is always sent first. Order is kept within a lane.
enum class OutboxLane : int { alert = 0, record = 1, routine = 2 };
inline constexpr int kOutboxLaneCount = 3;

/// "alert", "record", "routine": used in topics, idempotency keys, metrics labels and the CLI.
constexpr std::string_view to_string(OutboxLane lane) {
    switch (lane) {
        case OutboxLane::alert: return "alert";
        case OutboxLane::record: return "record";
        case OutboxLane::routine: return "routine";
    }
    return "routine";
}
std::optional<OutboxLane> outbox_lane_from_string(std::string_view name);

/// What a transaction puts into the outbox; the ledger assigns its lane_seq and idempotency key.
struct OutboxEntry {
    OutboxLane lane = OutboxLane::routine;
    std::string kind;
    std::string gate;
    std::int64_t created_ms = 0;
    std::string body_json;  ///< A JSON object.
    /// The event of the same batch this entry forwards: it is written only if that event was newly stored, so a
    /// terminal's resend is not forwarded a second time under a new key.
    std::optional<EventKey> for_event;
    /// Who the record is about (the real id, also when the body carries a pseudonym), and the screening it
    /// shows: kept beside the body so that `gatehouse erase` finds the rows without reading bodies.
    std::optional<std::string> person;
    std::optional<std::int64_t> screening;
};

/// One record waiting to go upstream. `key` ("<gateway>:<lane>:<lane_seq>") is its idempotency key: the
/// delivery promise is at-least-once, so a receiver drops a record whose key it has seen.
struct OutboxRecord {
    std::int64_t id = 0;        ///< Row id in the outbox (ascending in commit order).
    OutboxLane lane = OutboxLane::routine;
    std::int64_t lane_seq = 0;  ///< Gap-free sequence within the lane.
    std::string key;
    std::string kind;           ///< alert kind, "decision", "screening", or the event kind.
    std::string gate;
    std::int64_t created_ms = 0;  ///< When it was recorded, ms since the Unix epoch (UTC).
    std::string body_json;        ///< The record itself, a JSON object.
};

}  // namespace gatehouse::storage
