#pragma once
// What the daily report counts, read from the ledger for one window of UTC time. Storage knows no time zones:
// the caller turns a local day into [start_ms, end_ms) and says which gates' thresholds apply.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gatehouse::storage {

/// The window and filters of one report query.
struct ReportQuery {
    std::int64_t start_ms = 0;  ///< Inclusive, UTC ms.
    std::int64_t end_ms = 0;    ///< Exclusive.
    /// Number of hourly buckets from start_ms (hour k is [start + k h, start + (k+1) h)); 0: no hourly figures.
    int hours = 0;
    std::optional<std::string> gate;  ///< Only this gate; unset: every gate.
    /// Fever threshold per gate for terminal `temperature` events (screenings and decisions carry their own
    /// verdicts); gates not listed use `default_threshold`.
    std::map<std::string, double> thresholds;
    double default_threshold = 37.3;
    /// Offline periods still open are counted up to min(now_ms, end_ms).
    std::int64_t now_ms = 0;
    /// Whether to list each fever reading, uncertain denial and offline period (a range report needs counts only).
    bool details = true;
};

/// The figures of one gate (or, as DayFigures::total, of all gates).
struct GateFigures {
    std::string gate;
    std::int64_t screened_camera = 0;    ///< Camera screenings, every verdict.
    std::int64_t screened_terminal = 0;  ///< Access decisions judged by the terminal's own temperature reading.
    std::int64_t temperature_events = 0; ///< Terminal `temperature` events (readings outside access requests).
    std::int64_t granted = 0;            ///< Passages granted.
    std::int64_t denied = 0;
    std::map<std::string, std::int64_t> denied_by_reason;  ///< A denial with several reasons counts for each.
    std::int64_t fever = 0;              ///< Readings at or over the threshold (see FeverReading).
    std::int64_t uncertain = 0;          ///< Camera screenings without a reliable reading.
    std::int64_t uncertain_denied = 0;   ///< Denials for an uncertain screening.
    std::int64_t health_code_red = 0;    ///< Red codes presented with an access request.
    std::int64_t health_code_yellow = 0;
    std::int64_t unchecked_passes = 0;   ///< Let through without a required check (allow_and_alert).
    std::int64_t alerts = 0;             ///< Alerts raised, every kind.
    std::int64_t terminal_offline_ms = 0;///< Summed over the gate's terminals, from the alert to its close.
    std::int64_t camera_offline_ms = 0;
    std::vector<std::int64_t> hourly_passages;  ///< Granted decisions per hour (ReportQuery::hours entries).
    std::vector<std::int64_t> hourly_alerts;

    GateFigures& operator+=(const GateFigures& other);
};

/// A reading at or over the threshold and what was done about it.
struct FeverReading {
    std::int64_t at_ms = 0;
    std::string gate;
    std::string source_kind;             ///< camera (screening elevated), terminal (an access request's own
                                         ///< reading), terminal_event (a `temperature` event at or over the threshold).
    std::string source;                  ///< Camera or terminal id.
    std::optional<std::string> person;   ///< From the decision that used the screening, or the terminal.
    std::optional<double> celsius;
    std::optional<std::int64_t> screening;
    std::optional<bool> granted;         ///< The access decision about it, when there was one.
    std::optional<std::int64_t> alert;   ///< The fever (or, for an uncertain screening, denied) alert.
    std::optional<std::string> alert_state;
    // The re-check recorded when the alert was closed.
    std::optional<double> recheck_celsius;
    std::optional<std::string> disposition;  ///< recheck_normal, sent_to_clinic, sent_home, other.
    std::string note;
    std::optional<std::string> closed_by;
    std::optional<std::int64_t> closed_ms;
};

/// A terminal or camera out of order during the window (its offline or fault alert), clipped to the window.
struct OfflinePeriod {
    std::string kind;  ///< terminal_offline or camera_fault.
    std::string gate;
    std::string source;
    std::int64_t from_ms = 0;
    std::int64_t to_ms = 0;
    bool open = false;  ///< Not closed by the end of the window (or by now).
};

/// Everything the report shows for one window.
struct DayFigures {
    std::vector<GateFigures> gates;  ///< Every gate with records in the window, by id.
    GateFigures total;
    std::vector<FeverReading> fevers;             ///< Oldest first.
    std::vector<FeverReading> uncertain_denials;  ///< Denials for an uncertain screening, with their re-check.
    std::vector<OfflinePeriod> offline;
};

}  // namespace gatehouse::storage
