#pragma once
// Reading decisions, screenings and alerts back by filter or after an id cursor (the web console's board,
// history search and live feed).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "gatehouse/storage/alert_record.hpp"
#include "gatehouse/storage/decision_record.hpp"

namespace gatehouse::storage {

/// Which rows of one table to read; an unset field does not filter. Times are inclusive bounds on the record's
/// own time (decided_ms, screened_ms, raised_ms). With `after_id` the rows come in id order (commit order: what a
/// live view missed since that id); otherwise by time, newest or oldest first.
struct RecordQuery {
    std::optional<std::string> gate;
    std::optional<std::string> person;  ///< Decisions and alerts.
    std::optional<std::string> kind;    ///< Alerts.
    std::optional<std::int64_t> since_ms;
    std::optional<std::int64_t> until_ms;
    std::optional<std::int64_t> after_id;
    bool unclosed_only = false;  ///< Alerts: open or acknowledged ones only.
    bool newest_first = true;    ///< Ignored with after_id.
    std::size_t limit = 100;
};

/// A decision read back with its row id (ascending in commit order).
struct StoredDecision {
    std::int64_t id = 0;
    DecisionRecord decision;
};

/// An alert action read back with its row id (ascending in commit order).
struct StoredAlertAction {
    std::int64_t id = 0;
    AlertAction action;
};

/// The highest row id of each table a live view follows (0 when the table is empty).
struct RecordIds {
    std::int64_t alerts = 0;
    std::int64_t alert_actions = 0;
    std::int64_t decisions = 0;
    std::int64_t screenings = 0;
};

}  // namespace gatehouse::storage
