#pragma once
// The gateway's alerts: numbering, severity, the set still open, and the operator actions that move them on.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gatehouse/storage/alert_record.hpp"

namespace gatehouse::daemon {

/// What is known when something alarming happens; AlertBook turns it into a numbered AlertRecord.
struct AlertSpec {
    std::string kind;
    std::string gate;
    std::string source;  ///< Terminal or camera id.
    std::optional<std::string> person;
    std::optional<double> celsius;
    std::optional<std::string> snapshot;
    std::string text;
    std::optional<std::int64_t> screening;  ///< The camera screening it is about.
    std::optional<std::string> request;     ///< The access request it was raised for.
};

/// An action on an alert, and the alert as it is after it (its kind and gate name the action's console topic).
struct AlertChange {
    storage::AlertAction action;
    storage::AlertRecord alert;
};

/// Severity of an alert kind: critical (fever, red code, forced door, tamper, storage full), warning (yellow code, tailgating,
/// held-open door, offline terminal, camera and blackbody faults, unchecked passes), info (other denials).
const char* alert_severity(const std::string& kind);

/// Every alert kind the gateway raises (docs/protocol.md's table), in that table's order.
const std::vector<std::string>& alert_kinds();

/// Holds the alerts not yet closed. Some alerts stand for a condition (a terminal offline, a camera down):
/// those are raised once per condition and closed by the gateway itself when the condition clears.
/// Thread-safety: none; owned by the reactor.
class AlertBook {
public:
    /// `last_id`: highest id already in the ledger; `unclosed`: its alerts not closed (they stay open across restarts).
    AlertBook(std::int64_t last_id, std::vector<storage::AlertRecord> unclosed);

    /// A new open alert with the next id.
    storage::AlertRecord raise(AlertSpec spec, std::int64_t now_ms);
    /// Raises an alert for the condition (kind, source), e.g. (terminal_offline, t1), unless one is open for it.
    std::optional<storage::AlertRecord> raise_condition(AlertSpec spec, std::int64_t now_ms);
    /// The condition is over: its alert, if still open, is closed by the gateway ("gatehouse" as actor).
    std::optional<AlertChange> clear_condition(const std::string& kind, const std::string& source,
                                               const std::string& note, std::int64_t now_ms);

    /// An operator acknowledges or closes an alert. Returns the action to record, or why it is refused
    /// (unknown id, already closed, acknowledging twice).
    std::variant<AlertChange, std::string> act(std::int64_t id, storage::AlertState to, const std::string& actor,
                                               const std::string& note, std::int64_t now_ms);

    /// Drops unclosed alerts whose rows `gatehouse erase` removed from the ledger; returns how many it held.
    std::size_t forget(const std::vector<std::int64_t>& ids);

    /// Alerts not closed, by id.
    const std::map<std::int64_t, storage::AlertRecord>& unclosed() const { return unclosed_; }

private:
    std::int64_t last_id_;
    std::map<std::int64_t, storage::AlertRecord> unclosed_;
    std::map<std::pair<std::string, std::string>, std::int64_t> conditions_;  ///< (kind, source) → its open alert
};

}  // namespace gatehouse::daemon
