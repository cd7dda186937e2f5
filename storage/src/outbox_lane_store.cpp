#include "outbox_lane_store.hpp"

#include <SQLiteCpp/Statement.h>

namespace gatehouse::storage::outbox_store {

RemovedRows remove_oldest(SQLite::Database& db, OutboxLane lane,
                          const std::function<bool(std::int64_t, std::int64_t)>& more) {
    RemovedRows removed;
    std::int64_t last_seq = 0;
    {
        SQLite::Statement oldest(db, "SELECT lane_seq, bytes, created_ms FROM outbox WHERE lane = ? ORDER BY lane_seq");
        oldest.bind(1, lane_index(lane));
        while (oldest.executeStep()) {
            if (!more(oldest.getColumn(2).getInt64(), removed.bytes)) break;
            last_seq = oldest.getColumn(0).getInt64();
            removed.bytes += oldest.getColumn(1).getInt64();
            ++removed.records;
        }
    }
    if (removed.records == 0) return removed;
    SQLite::Statement erase(db, "DELETE FROM outbox WHERE lane = ? AND lane_seq <= ?");
    erase.bind(1, lane_index(lane));
    erase.bind(2, last_seq);
    erase.exec();
    return removed;
}

void count_removed(SQLite::Database& db, OutboxLane lane, const RemovedRows& removed, bool dropped) {
    if (removed.records == 0) return;
    SQLite::Statement update(db, dropped ? "UPDATE outbox_lanes SET records = records - ?1, bytes = bytes - ?2, "
                                           "dropped = dropped + ?1, dropped_bytes = dropped_bytes + ?2 WHERE lane = ?3"
                                         : "UPDATE outbox_lanes SET records = records - ?1, bytes = bytes - ?2, "
                                           "expired = expired + ?1 WHERE lane = ?3");
    update.bind(1, removed.records);
    update.bind(2, removed.bytes);
    update.bind(3, lane_index(lane));
    update.exec();
}

std::int64_t expire_lane(SQLite::Database& db, OutboxLane lane, std::int64_t cutoff_ms) {
    const RemovedRows removed =
        remove_oldest(db, lane, [cutoff_ms](std::int64_t created_ms, std::int64_t) { return created_ms < cutoff_ms; });
    count_removed(db, lane, removed, /*dropped=*/false);
    return removed.records;
}

}  // namespace gatehouse::storage::outbox_store
