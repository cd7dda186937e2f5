#pragma once
// The ledger's connection state, shared by the files that implement Ledger (events, alerts, screenings).
#include <filesystem>
#include <memory>

#include <sqlite3.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "gatehouse/storage/ledger.hpp"
#include "gatehouse/storage/schema_migrations.hpp"
#include "outbox_writer.hpp"

namespace gatehouse::storage {

/// Maps an SQLite failure to the ledger's fault classes, with a message that says what to do.
inline LedgerError translate(const std::filesystem::path& path, const SQLite::Exception& e, const char* doing) {
    const std::string where = "ledger " + path.string() + ": " + doing + ": ";
    switch (e.getErrorCode()) {
        case SQLITE_FULL:
            return {LedgerFault::disk_full, where + "disk full (" + e.what() + "); free space on its filesystem"};
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return {LedgerFault::corrupt,
                    where + "the file is not a gatehouse ledger or is corrupt (" + e.what() +
                        "); move it aside and restore a backup, or start with an empty ledger"};
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return {LedgerFault::busy, where + "database is locked by another process (" + e.what() + ")"};
        case SQLITE_CANTOPEN:
            return {LedgerFault::missing, where + "cannot open (" + e.what() + "); check the path and permissions"};
        default:
            return {LedgerFault::io, where + e.what()};
    }
}

/// Refuses a ledger whose schema is not this build's: connections that write beside the daemon (the purge, erasure,
/// the CLI's report log) never migrate a file themselves.
inline void require_current_schema(SQLite::Database& db, const std::filesystem::path& path) {
    const int version = db.execAndGet("PRAGMA user_version").getInt();
    if (version != latest_schema_version()) {
        throw LedgerError(LedgerFault::io, "ledger " + path.string() + ": schema version " + std::to_string(version) +
                                               ", this gatehouse needs " + std::to_string(latest_schema_version()) +
                                               "; start the daemon once to upgrade it");
    }
}

struct Ledger::Impl {
    std::filesystem::path path;
    SQLite::Database db;
    // Prepared once: the insert is the ingest hot path.
    std::unique_ptr<SQLite::Statement> insert_event;
    std::string gateway_id;
    OutboxLimits outbox_limits;
    std::unique_ptr<OutboxWriter> outbox;  ///< Writable ledgers only; prepared after the migrations.
    OutboxAppendReport last_outbox_append;

    Impl(const LedgerOptions& o, int flags)
        : path(o.path), db(o.path.string(), flags, o.busy_timeout_ms), gateway_id(o.gateway_id),
          outbox_limits(o.outbox_limits) {}
};

}  // namespace gatehouse::storage
