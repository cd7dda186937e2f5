#pragma once
// The one INSERT of a report's row, shared by the ledger's group commit (the scheduled report) and ReportLog (CLI).
#include <SQLiteCpp/Statement.h>

#include "gatehouse/storage/report_record.hpp"

namespace gatehouse::storage {

/// Columns of `reports` in the order bind_report() fills them; append " ON CONFLICT DO NOTHING" where a second
/// upstream report of a day is to be skipped rather than refused.
inline constexpr const char* kInsertReport =
    "INSERT INTO reports (kind, first_day, last_day, gate, timezone, format, channel, actor, generated_ms, sha256, bytes) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

inline void bind_report(SQLite::Statement& q, const ReportRecord& r) {
    q.bind(1, r.kind);
    q.bind(2, r.first_day);
    q.bind(3, r.last_day);
    if (r.gate) q.bind(4, *r.gate); else q.bind(4);
    q.bind(5, r.timezone);
    q.bind(6, r.format);
    q.bind(7, r.channel);
    q.bind(8, r.actor);
    q.bind(9, r.generated_ms);
    q.bind(10, r.sha256);
    q.bind(11, r.bytes);
}

}  // namespace gatehouse::storage
