#pragma once
// The ledger's side of the outbox: writes a batch's entries inside the ledger's append transaction,
// enforcing the lanes' caps and time-to-live on the way.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "gatehouse/storage/outbox_limits.hpp"
#include "gatehouse/storage/outbox_record.hpp"

namespace gatehouse::storage {

/// Appends outbox entries for the ledger's single writer. Statements are prepared once (the ingest path).
class OutboxWriter {
public:
    OutboxWriter(SQLite::Database& db, std::string gateway_id, OutboxLimits limits);

    /// Writes `entries` in the caller's open write transaction: assigns lane_seq and key, expires records
    /// past their lane's time-to-live, drops the oldest record/routine rows beyond the cap and rejects
    /// alerts beyond the hard cap. Throws SQLite::Exception (the caller rolls back).
    OutboxAppendReport append(const std::vector<OutboxEntry>& entries, std::int64_t now_ms);

    /// Clears the prepared statements after a failed append (reset() would rethrow the failed step's error).
    void abandon() noexcept;

    void set_limits(const OutboxLimits& limits) { limits_ = limits; }
    const OutboxLimits& limits() const { return limits_; }

private:
    SQLite::Database& db_;
    std::string gateway_id_;
    OutboxLimits limits_;
    SQLite::Statement insert_;
    SQLite::Statement read_lanes_;
    SQLite::Statement oldest_created_;
    SQLite::Statement update_lane_;
};

}  // namespace gatehouse::storage
