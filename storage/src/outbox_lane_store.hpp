#pragma once
// Row-level helpers shared by the two sides of the outbox: the ledger's append (caps, time-to-live) and
// the forwarder's Outbox (expiry, purge). Both run them inside a write transaction they already hold.
#include <cstdint>
#include <functional>
#include <string>

#include <SQLiteCpp/Database.h>

#include "gatehouse/storage/outbox_record.hpp"

namespace gatehouse::storage::outbox_store {

/// A lane's row in outbox_lanes: its sequence counter and what it holds now.
struct LaneTotals {
    std::int64_t last_seq = 0;
    std::int64_t records = 0;
    std::int64_t bytes = 0;
};

/// Rows removed from the oldest end of a lane.
struct RemovedRows {
    std::int64_t records = 0;
    std::int64_t bytes = 0;
};

/// Fixed per-row overhead added to the text sizes: ids, sequence, times and SQLite's row header, roughly.
inline constexpr std::int64_t kRowOverheadBytes = 48;

inline std::int64_t row_bytes(const OutboxEntry& entry, std::size_t key_size) {
    return static_cast<std::int64_t>(entry.body_json.size() + entry.kind.size() + entry.gate.size() + key_size) +
           kRowOverheadBytes;
}

inline int lane_index(OutboxLane lane) { return static_cast<int>(lane); }

/// Removes the oldest rows of `lane` (by lane_seq) while `more(created_ms, freed_bytes_so_far)` holds, and
/// takes them off the lane's totals. The caller adds them to the counter it names (dropped or expired).
RemovedRows remove_oldest(SQLite::Database& db, OutboxLane lane,
                          const std::function<bool(std::int64_t created_ms, std::int64_t freed_bytes)>& more);

/// Adds removed rows to one of the lane's counters ("dropped" also counts bytes) and takes them off its totals.
void count_removed(SQLite::Database& db, OutboxLane lane, const RemovedRows& removed, bool dropped);

/// Removes the rows of `lane` created before `cutoff_ms`, counted as expired; returns how many.
std::int64_t expire_lane(SQLite::Database& db, OutboxLane lane, std::int64_t cutoff_ms);

}  // namespace gatehouse::storage::outbox_store
