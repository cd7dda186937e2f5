#pragma once
// Recording a report generated outside the daemon (the CLI) in the ledger, through a connection of its own.
#include <filesystem>
#include <memory>

#include "gatehouse/storage/ledger_error.hpp"
#include "gatehouse/storage/report_record.hpp"

namespace gatehouse::storage {

/// A writable connection to an existing, current ledger that only appends to its `reports` table: one short
/// transaction per report, beside a running daemon (WAL). It never creates or migrates the file.
/// Thread-safety: none. Errors: LedgerError (a read-only file or directory is LedgerFault::io with the reason).
class ReportLog {
public:
    explicit ReportLog(const std::filesystem::path& ledger, int busy_timeout_ms = 10'000);
    ~ReportLog();
    ReportLog(const ReportLog&) = delete;
    ReportLog& operator=(const ReportLog&) = delete;

    /// Appends one record, durably (synchronous=FULL).
    void record(const ReportRecord& report);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::storage
