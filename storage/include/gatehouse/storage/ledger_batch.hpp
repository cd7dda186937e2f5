#pragma once
// Everything one group commit writes: the rows of one transaction.
#include <vector>

#include "gatehouse/storage/alert_record.hpp"
#include "gatehouse/storage/decision_record.hpp"
#include "gatehouse/storage/event_record.hpp"
#include "gatehouse/storage/outbox_record.hpp"
#include "gatehouse/storage/screening_record.hpp"

namespace gatehouse::storage {

/// An alert raised by an event of the same batch: recorded in the event's transaction, and only if the event is
/// newly stored (a terminal's resend raises nothing twice).
struct EventAlert {
    EventKey event;
    AlertRecord alert;
};

/// Rows to append in one transaction: all of them are stored, or none.
struct LedgerBatch {
    std::vector<EventRecord> events;
    std::vector<ScreeningRecord> screenings;
    std::vector<DecisionRecord> decisions;
    std::vector<AlertRecord> alerts;
    std::vector<AlertAction> alert_actions;
    std::vector<EventAlert> event_alerts;
    /// What of the above goes upstream: written to the outbox in the same transaction, so a crash can never
    /// record without forwarding or forward without recording.
    std::vector<OutboxEntry> outbox;

    bool empty() const {
        return events.empty() && screenings.empty() && decisions.empty() && alerts.empty() && alert_actions.empty() &&
               event_alerts.empty() && outbox.empty();
    }
};

}  // namespace gatehouse::storage
