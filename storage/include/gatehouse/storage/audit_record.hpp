#pragma once
// The audit trail of what people did through the web console: logins, alert actions, list imports, exports,
// and what was refused to them.
#include <cstdint>
#include <string>

namespace gatehouse::storage {

/// One audited action.
struct AuditRecord {
    std::int64_t at_ms = 0;   ///< Gateway wall clock, ms since the Unix epoch.
    std::string actor;        ///< Account name as given (also for a failed login with an unknown name).
    std::string role;         ///< viewer, guard, admin; empty when not logged in.
    std::string address;      ///< Client IP address.
    std::string action;       ///< login, logout, alert_ack, alert_close, lists_import, history_export, ...
    std::string target;       ///< What it was done to (an alert id, a list, a person), or empty.
    std::string outcome;      ///< ok, refused, forbidden, failed, throttled.
    std::string detail;       ///< One human line (the note, the reason of a refusal, counts).
};

/// An audit row read back with its id.
struct StoredAudit {
    std::int64_t id = 0;
    AuditRecord record;
};

}  // namespace gatehouse::storage
