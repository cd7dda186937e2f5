#pragma once
// The forwarder's side of the outbox: what each sink has to send, what it confirmed, what it refused.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gatehouse/storage/ledger_error.hpp"
#include "gatehouse/storage/outbox_limits.hpp"
#include "gatehouse/storage/outbox_record.hpp"

namespace gatehouse::storage {

/// How to open the outbox of an existing ledger.
struct OutboxOptions {
    std::filesystem::path path;  ///< The ledger file; the daemon's Ledger must have created and migrated it.
    OutboxLimits limits;         ///< For time-to-live expiry and the buffer_high level.
    /// How long a write waits for the ledger writer's lock. Forwarder transactions are short; the ledger's
    /// group commits are too, so this is only reached when something is badly wrong.
    int busy_timeout_ms = 5000;
};

/// Per lane (indexed by the lane's value), the highest sequence number a sink was already handed; 0: none.
using LaneSeqs = std::array<std::int64_t, kOutboxLaneCount>;

/// A sink and the lanes it takes (chat robots: alerts only).
struct OutboxSink {
    std::string name;
    std::vector<OutboxLane> lanes;
};

/// What waits in one lane.
struct LaneBacklog {
    OutboxLane lane = OutboxLane::routine;
    std::int64_t records = 0;
    std::int64_t bytes = 0;
    std::optional<std::int64_t> oldest_created_ms;  ///< Unset when the lane is empty.
    bool high = false;  ///< At or above the buffer_high level.
    /// A record of the lane's average size would not fit under max_bytes any more: record/routine now drop
    /// their oldest; alerts are still taken up to the hard cap.
    bool full = false;
};

/// What one sink has not confirmed yet (records it neither delivered nor dead-lettered).
struct SinkBacklog {
    std::string sink;
    std::int64_t records = 0;
    std::int64_t bytes = 0;
    std::optional<std::int64_t> oldest_created_ms;
    std::int64_t delivered = 0;     ///< Confirmed by this sink since the ledger was created (persistent).
    std::int64_t dead_letters = 0;  ///< Refused for good by this sink (persistent).
};

/// Persistent counters of one lane: what never reached any sink, and why.
struct LaneCounters {
    OutboxLane lane = OutboxLane::routine;
    std::int64_t dropped = 0;        ///< Oldest records removed because the lane was full (record/routine).
    std::int64_t dropped_bytes = 0;
    std::int64_t rejected = 0;       ///< Alerts refused at the hard cap.
    std::int64_t expired = 0;        ///< Records removed when their time-to-live passed.
};

/// A record a sink refused for good, with what the upstream said.
struct DeadLetter {
    std::int64_t id = 0;
    std::string sink;
    OutboxRecord record;
    std::string detail;
    std::int64_t at_ms = 0;
};

/// Reads and settles the outbox through a connection of its own to the ledger file (WAL: it reads while the
/// ledger writes). A row leaves the outbox once every registered sink that takes its lane confirmed or
/// dead-lettered it. Write transactions are short (BEGIN IMMEDIATE, one batch), so the ledger writer never
/// waits long.
///
/// Thread-safety: none; give each thread its own Outbox. Errors: LedgerError (busy, io, ...).
class Outbox {
public:
    explicit Outbox(const OutboxOptions& options);
    ~Outbox();
    Outbox(const Outbox&) = delete;
    Outbox& operator=(const Outbox&) = delete;
    Outbox(Outbox&&) noexcept;
    Outbox& operator=(Outbox&&) noexcept;

    /// Makes `sinks` the set that must confirm records: new sinks start with everything in the outbox;
    /// sinks (or lanes of a sink) no longer listed stop holding records back.
    void register_sinks(std::span<const OutboxSink> sinks);

    /// Up to `max` records `sink` has not confirmed, from `lanes` in priority order (alert first), oldest
    /// first within a lane.
    std::vector<OutboxRecord> next(const std::string& sink, std::span<const OutboxLane> lanes, std::size_t max);
    /// The same, but skipping each lane's records up to `handed_over[lane]`: a sink that keeps records in
    /// flight (MQTT) reads on past those it holds while their confirmations are still on the way.
    std::vector<OutboxRecord> next(const std::string& sink, std::span<const OutboxLane> lanes, std::size_t max,
                                   const LaneSeqs& handed_over);
    /// Marks the records with these ids as delivered by `sink`. Ids no longer in the outbox are ignored.
    void confirm(const std::string& sink, std::span<const std::int64_t> ids);
    /// Records a permanent refusal: the record goes to the dead letters with `detail`, and counts as done
    /// for `sink` (other sinks still get it).
    void dead_letter(const std::string& sink, const OutboxRecord& record, const std::string& detail);
    /// Deletes rows every registered sink taking their lane is done with (lanes nobody takes: all rows), in
    /// short transactions of at most `chunk` rows. Returns the number of rows deleted.
    std::int64_t purge_done(std::int64_t chunk = 5000);
    /// Removes records whose lane's time-to-live passed at `now_ms`; returns how many (counted as expired).
    std::int64_t expire(std::int64_t now_ms);

    /// Records, bytes and the oldest record per lane, in lane order.
    std::vector<LaneBacklog> backlog();
    /// What `sink` has not confirmed, of the lanes registered for it.
    SinkBacklog sink_backlog(const std::string& sink);
    /// Dropped, rejected and expired counts per lane, in lane order.
    std::vector<LaneCounters> counters();
    /// Dead letters of `sink` (all sinks when empty), oldest first, at most `limit`.
    std::vector<DeadLetter> dead_letters(const std::string& sink = {}, std::size_t limit = 1000);

    void set_limits(const OutboxLimits& limits);
    const OutboxLimits& limits() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::storage
