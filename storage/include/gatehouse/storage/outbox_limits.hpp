#pragma once
// How much the outbox may hold per lane, and for how long.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include "gatehouse/storage/outbox_record.hpp"

namespace gatehouse::storage {

/// Limits of one outbox lane. Sizes are the bytes of a record's body, kind, gate and key plus a small fixed
/// overhead per row: close to, not exactly, what the rows occupy on disk.
struct OutboxLaneLimits {
    /// The lane's cap. record/routine: above it the oldest records are dropped (counted). alert: the level
    /// `buffer_high` is measured against; alerts are still accepted beyond it, up to `hard_cap_bytes`.
    std::int64_t max_bytes = 0;
    /// alert lane only: an entry that would take the lane beyond this is rejected (counted), never dropped
    /// later. 0 means "same as max_bytes". Ignored for the other lanes.
    std::int64_t hard_cap_bytes = 0;
    /// Records older than this (by created_ms) are removed and counted as expired; unset keeps them.
    std::optional<std::chrono::milliseconds> ttl;

    std::int64_t effective_hard_cap() const { return hard_cap_bytes > 0 ? hard_cap_bytes : max_bytes; }

    bool operator==(const OutboxLaneLimits&) const = default;
};

/// Limits of the whole outbox: one entry per lane, indexed by OutboxLane, and the buffer_high level.
struct OutboxLimits {
    static constexpr std::int64_t kMiB = 1024 * 1024;

    std::array<OutboxLaneLimits, kOutboxLaneCount> lanes{{
        {64 * kMiB, 128 * kMiB, std::nullopt},  // alert
        {256 * kMiB, 0, std::nullopt},          // record
        {512 * kMiB, 0, std::nullopt},          // routine
    }};
    /// A lane holding at least this percentage of its max_bytes is "high": the gateway raises buffer_high
    /// before any lane is full.
    int buffer_high_percent = 80;

    const OutboxLaneLimits& of(OutboxLane lane) const { return lanes[static_cast<std::size_t>(lane)]; }
    OutboxLaneLimits& of(OutboxLane lane) { return lanes[static_cast<std::size_t>(lane)]; }
    /// Whether `bytes` in `lane` is at or above the buffer_high level.
    bool is_high(OutboxLane lane, std::int64_t bytes) const {
        return bytes * 100 >= of(lane).max_bytes * buffer_high_percent;
    }

    bool operator==(const OutboxLimits&) const = default;
};

/// What the outbox part of one Ledger::append did.
struct OutboxAppendReport {
    std::int64_t stored = 0;    ///< Entries written to the outbox.
    std::int64_t rejected = 0;  ///< Alert entries refused because the alert lane is at its hard cap.
    std::int64_t dropped = 0;   ///< Older record/routine rows removed to make room.
    std::int64_t expired = 0;   ///< Rows removed because their time-to-live passed.
    bool buffer_high = false;   ///< Some lane is at or above the buffer_high level after the append.
};

}  // namespace gatehouse::storage
