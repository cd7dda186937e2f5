#pragma once
#include <stdexcept>
#include <string>

namespace gatehouse::storage {

/// Why a ledger operation failed; callers use it to decide between "retry later" and "stop".
enum class LedgerFault {
    missing,        ///< The file does not exist and creation was not requested.
    corrupt,        ///< Not a SQLite database, or integrity damage.
    newer_schema,   ///< Written by a newer gatehouse; refuse rather than misread it.
    disk_full,      ///< SQLITE_FULL: the filesystem (or the page limit) ran out of space.
    busy,           ///< Another process holds the write lock past the busy timeout.
    io,             ///< Any other SQLite or filesystem error.
};

/// Exception for ledger failures; the message names the database file and what to do about it.
class LedgerError : public std::runtime_error {
public:
    LedgerError(LedgerFault fault, const std::string& message) : std::runtime_error(message), fault_(fault) {}
    LedgerFault fault() const noexcept { return fault_; }

private:
    LedgerFault fault_;
};

}  // namespace gatehouse::storage
