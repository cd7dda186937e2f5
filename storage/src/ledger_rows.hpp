#pragma once
// Column lists and row readers of the decisions, screenings and alerts tables, shared by every query that reads
// them back (ledger.cpp, ledger_alerts.cpp, ledger_queries.cpp).
#include <SQLiteCpp/Statement.h>

#include "gatehouse/storage/alert_record.hpp"
#include "gatehouse/storage/decision_record.hpp"
#include "gatehouse/storage/screening_record.hpp"

namespace gatehouse::storage::rows {

inline constexpr const char* kDecisionColumns =
    "request, terminal, gate, person, method, result, reasons, celsius, health_code, alert, decided_ms, screening, "
    "snapshot";

/// Reads a decision from columns `first` … `first + 12` in the order of kDecisionColumns.
inline DecisionRecord read_decision(SQLite::Statement& q, int first = 0) {
    DecisionRecord d;
    d.request = q.getColumn(first + 0).getString();
    d.terminal = q.getColumn(first + 1).getString();
    d.gate = q.getColumn(first + 2).getString();
    d.person = q.getColumn(first + 3).getString();
    d.method = q.getColumn(first + 4).getString();
    d.grant = q.getColumn(first + 5).getString() == "grant";
    d.reasons_json = q.getColumn(first + 6).getString();
    if (!q.getColumn(first + 7).isNull()) d.celsius = q.getColumn(first + 7).getDouble();
    if (!q.getColumn(first + 8).isNull()) d.health_code = q.getColumn(first + 8).getString();
    d.alert = q.getColumn(first + 9).getInt() != 0;
    d.decided_ms = q.getColumn(first + 10).getInt64();
    if (!q.getColumn(first + 11).isNull()) d.screening = q.getColumn(first + 11).getInt64();
    if (!q.getColumn(first + 12).isNull()) d.snapshot = q.getColumn(first + 12).getString();
    return d;
}

inline constexpr const char* kScreeningColumns =
    "id, camera, gate, screened_ms, celsius, verdict, reason, threshold, snapshot";

inline ScreeningRecord read_screening(SQLite::Statement& q) {
    ScreeningRecord s;
    s.id = q.getColumn(0).getInt64();
    s.camera = q.getColumn(1).getString();
    s.gate = q.getColumn(2).getString();
    s.screened_ms = q.getColumn(3).getInt64();
    if (!q.getColumn(4).isNull()) s.celsius = q.getColumn(4).getDouble();
    s.verdict = q.getColumn(5).getString();
    if (!q.getColumn(6).isNull()) s.reason = q.getColumn(6).getString();
    s.threshold_celsius = q.getColumn(7).getDouble();
    if (!q.getColumn(8).isNull()) s.snapshot = q.getColumn(8).getString();
    return s;
}

inline constexpr const char* kAlertColumns =
    "id, kind, severity, gate, source, raised_ms, person, celsius, snapshot, text, state, screening, request";

inline AlertRecord read_alert(SQLite::Statement& q) {
    AlertRecord a;
    a.id = q.getColumn(0).getInt64();
    a.kind = q.getColumn(1).getString();
    a.severity = q.getColumn(2).getString();
    a.gate = q.getColumn(3).getString();
    a.source = q.getColumn(4).getString();
    a.raised_ms = q.getColumn(5).getInt64();
    if (!q.getColumn(6).isNull()) a.person = q.getColumn(6).getString();
    if (!q.getColumn(7).isNull()) a.celsius = q.getColumn(7).getDouble();
    if (!q.getColumn(8).isNull()) a.snapshot = q.getColumn(8).getString();
    a.text = q.getColumn(9).getString();
    a.state = parse_alert_state(q.getColumn(10).getString()).value_or(AlertState::open);
    if (!q.getColumn(11).isNull()) a.screening = q.getColumn(11).getInt64();
    if (!q.getColumn(12).isNull()) a.request = q.getColumn(12).getString();
    return a;
}

}  // namespace gatehouse::storage::rows
