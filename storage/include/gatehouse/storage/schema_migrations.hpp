#pragma once
// Ordered schema migrations of the ledger. Exposed so tests can build an older file and upgrade it.
namespace SQLite {
class Database;
}

namespace gatehouse::storage {

/// Number of the newest schema (the count of migrations).
int latest_schema_version();

/// Applies migrations from the file's PRAGMA user_version up to `target` (at most latest), each in its own
/// transaction together with the user_version bump, so an interrupted upgrade resumes cleanly.
void migrate_schema(SQLite::Database& db, int target);

}  // namespace gatehouse::storage
