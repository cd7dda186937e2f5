#include "outbox_writer.hpp"

#include <array>

#include "outbox_lane_store.hpp"

namespace gatehouse::storage {

using outbox_store::lane_index;

OutboxWriter::OutboxWriter(SQLite::Database& db, std::string gateway_id, OutboxLimits limits)
    : db_(db),
      gateway_id_(std::move(gateway_id)),
      limits_(limits),
      insert_(db, "INSERT INTO outbox (lane, lane_seq, key, kind, gate, created_ms, body, bytes, person, screening) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      read_lanes_(db, "SELECT lane, last_seq, records, bytes FROM outbox_lanes"),
      oldest_created_(db, "SELECT created_ms FROM outbox WHERE lane = ? ORDER BY lane_seq LIMIT 1"),
      update_lane_(db, "UPDATE outbox_lanes SET last_seq = ?, records = records + ?, bytes = bytes + ?, "
                       "rejected = rejected + ? WHERE lane = ?") {}

void OutboxWriter::abandon() noexcept {
    insert_.tryReset();
    read_lanes_.tryReset();
    oldest_created_.tryReset();
    update_lane_.tryReset();
}

OutboxAppendReport OutboxWriter::append(const std::vector<OutboxEntry>& entries, std::int64_t now_ms) {
    OutboxAppendReport report;
    if (entries.empty()) return report;

    std::array<outbox_store::LaneTotals, kOutboxLaneCount> totals{};
    read_lanes_.reset();
    while (read_lanes_.executeStep()) {
        const int lane = read_lanes_.getColumn(0).getInt();
        if (lane < 0 || lane >= kOutboxLaneCount) continue;
        totals[static_cast<std::size_t>(lane)] = {read_lanes_.getColumn(1).getInt64(), read_lanes_.getColumn(2).getInt64(),
                                                  read_lanes_.getColumn(3).getInt64()};
    }
    read_lanes_.reset();

    for (const OutboxLane lane : {OutboxLane::alert, OutboxLane::record, OutboxLane::routine}) {
        auto& lane_totals = totals[static_cast<std::size_t>(lane_index(lane))];
        const OutboxLaneLimits& limits = limits_.of(lane);
        bool touched = false;
        std::int64_t seq = lane_totals.last_seq;
        std::int64_t added_records = 0;
        std::int64_t added_bytes = 0;
        std::int64_t rejected = 0;
        for (const OutboxEntry& entry : entries) {
            if (entry.lane != lane) continue;
            if (!touched) {
                touched = true;
                // Time-to-live: one indexed look at the oldest row, the walk only when it has expired.
                if (limits.ttl && lane_totals.records > 0) {
                    const std::int64_t cutoff = now_ms - limits.ttl->count();
                    oldest_created_.reset();
                    oldest_created_.bind(1, lane_index(lane));
                    const bool expired = oldest_created_.executeStep() && oldest_created_.getColumn(0).getInt64() < cutoff;
                    oldest_created_.reset();
                    if (expired) {
                        const auto removed = outbox_store::remove_oldest(
                            db_, lane, [cutoff](std::int64_t created_ms, std::int64_t) { return created_ms < cutoff; });
                        outbox_store::count_removed(db_, lane, removed, /*dropped=*/false);
                        lane_totals.records -= removed.records;
                        lane_totals.bytes -= removed.bytes;
                        report.expired += removed.records;
                    }
                }
            }
            const std::string key = gateway_id_ + ":" + std::string(to_string(lane)) + ":" + std::to_string(seq + 1);
            const std::int64_t bytes = outbox_store::row_bytes(entry, key.size());
            // The alert lane never drops what it holds; beyond the hard cap the new alert is refused instead.
            if (lane == OutboxLane::alert && lane_totals.bytes + added_bytes + bytes > limits.effective_hard_cap()) {
                ++rejected;
                continue;
            }
            ++seq;
            insert_.reset();
            insert_.bind(1, lane_index(lane));
            insert_.bind(2, seq);
            insert_.bind(3, key);
            insert_.bind(4, entry.kind);
            insert_.bind(5, entry.gate);
            insert_.bind(6, entry.created_ms);
            insert_.bind(7, entry.body_json);
            insert_.bind(8, bytes);
            if (entry.person) insert_.bind(9, *entry.person); else insert_.bind(9);
            if (entry.screening) insert_.bind(10, *entry.screening); else insert_.bind(10);
            insert_.exec();
            ++added_records;
            added_bytes += bytes;
        }
        if (!touched) continue;
        update_lane_.reset();
        update_lane_.bind(1, seq);
        update_lane_.bind(2, added_records);
        update_lane_.bind(3, added_bytes);
        update_lane_.bind(4, rejected);
        update_lane_.bind(5, lane_index(lane));
        update_lane_.exec();
        lane_totals.records += added_records;
        lane_totals.bytes += added_bytes;
        lane_totals.last_seq = seq;
        report.stored += added_records;
        report.rejected += rejected;
        if (lane != OutboxLane::alert && lane_totals.bytes > limits.max_bytes) {
            const std::int64_t excess = lane_totals.bytes - limits.max_bytes;
            const auto removed = outbox_store::remove_oldest(
                db_, lane, [excess](std::int64_t, std::int64_t freed) { return freed < excess; });
            outbox_store::count_removed(db_, lane, removed, /*dropped=*/true);
            lane_totals.records -= removed.records;
            lane_totals.bytes -= removed.bytes;
            report.dropped += removed.records;
        }
    }
    for (const OutboxLane lane : {OutboxLane::alert, OutboxLane::record, OutboxLane::routine}) {
        if (limits_.is_high(lane, totals[static_cast<std::size_t>(lane_index(lane))].bytes)) report.buffer_high = true;
    }
    return report;
}

}  // namespace gatehouse::storage
