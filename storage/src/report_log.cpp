#include "gatehouse/storage/report_log.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "gatehouse/storage/schema_migrations.hpp"
#include "ledger_connection.hpp"

namespace gatehouse::storage {

struct ReportLog::Impl {
    std::filesystem::path path;
    SQLite::Database db;
    Impl(const std::filesystem::path& p, int busy_timeout_ms)
        : path(p), db(p.string(), SQLite::OPEN_READWRITE, busy_timeout_ms) {}
};

ReportLog::ReportLog(const std::filesystem::path& ledger, int busy_timeout_ms) {
    if (!std::filesystem::exists(ledger)) {
        throw LedgerError(LedgerFault::missing, "ledger " + ledger.string() + ": no such file (has the daemon run with this ledger.path?)");
    }
    try {
        impl_ = std::make_unique<Impl>(ledger, busy_timeout_ms);
        const int version = impl_->db.execAndGet("PRAGMA user_version").getInt();
        if (version != latest_schema_version()) {
            throw LedgerError(LedgerFault::io, "ledger " + ledger.string() + ": schema version " + std::to_string(version) +
                                                   ", this gatehouse needs " + std::to_string(latest_schema_version()) +
                                                   "; start the daemon once to upgrade it");
        }
        impl_->db.exec("PRAGMA synchronous = FULL");
    } catch (const SQLite::Exception& e) {
        throw translate(ledger, e, "open for recording a report");
    }
}

ReportLog::~ReportLog() = default;

void ReportLog::record(const ReportRecord& r) {
    try {
        SQLite::Statement q(impl_->db,
                            "INSERT INTO reports (kind, first_day, last_day, gate, timezone, format, channel, actor, "
                            "generated_ms, sha256, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
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
        q.exec();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "record the report");
    }
}

}  // namespace gatehouse::storage
