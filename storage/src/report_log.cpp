#include "gatehouse/storage/report_log.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "ledger_connection.hpp"
#include "report_rows.hpp"

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
        require_current_schema(impl_->db, ledger);
        impl_->db.exec("PRAGMA synchronous = FULL");
    } catch (const SQLite::Exception& e) {
        throw translate(ledger, e, "open for recording a report");
    }
}

ReportLog::~ReportLog() = default;

void ReportLog::record(const ReportRecord& r) {
    try {
        SQLite::Statement q(impl_->db, kInsertReport);
        bind_report(q, r);
        q.exec();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "record the report");
    }
}

}  // namespace gatehouse::storage
