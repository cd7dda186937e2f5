#pragma once
// The inspectors' daily report (台账) and its range form: what the ledger says about local days, ready to render.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/daemon/local_time_zone.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "gatehouse/storage/report_figures.hpp"

namespace gatehouse::daemon::reports {

/// Why a report cannot be made; the CLI maps each to its exit code.
enum class ReportProblem {
    unknown_gate,      ///< Neither configured nor in the ledger (64).
    future_day,        ///< The day has not started yet (64).
    bad_range,         ///< --since after --until, or too long (64).
    past_retention,    ///< Every record of the day was purged (66); the message says what and when.
};

/// A report refused, with a message for the person who asked.
class ReportError : public std::runtime_error {
public:
    ReportError(ReportProblem problem, const std::string& message) : std::runtime_error(message), problem_(problem) {}
    ReportProblem problem() const noexcept { return problem_; }

private:
    ReportProblem problem_;
};

/// Where and for whom a report is made: from the configuration (or defaults when only a ledger is given).
struct ReportSetting {
    std::string site = "default";
    std::string gateway = "gatehouse";
    LocalTimeZone zone = LocalTimeZone::utc();
    std::vector<std::string> configured_gates;     ///< In configuration order.
    std::map<std::string, double> thresholds;      ///< Fever threshold per configured gate.
    RetentionConfig retention;
    bool retention_known = false;                  ///< From a configuration (else the defaults are assumed).
    std::optional<std::string> gate;               ///< --gate
    std::string generated_by;                      ///< Login name, or "gatehouse" for the scheduled report.
    std::int64_t now_ms = 0;

    /// The setting of a loaded configuration.
    static ReportSetting from_config(const GatewayConfig& config);
};

/// One local day.
struct DailyReport {
    LocalDate day;
    std::string site;
    std::string gateway;
    LocalTimeZone zone = LocalTimeZone::utc();  ///< The zone the day is local to.
    std::optional<std::string> gate;
    LocalDayBounds bounds;
    std::vector<std::int64_t> hour_starts;  ///< UTC start of each local hour (23-25).
    bool complete = true;               ///< The day was over when the report was made.
    std::int64_t generated_ms = 0;
    std::string generated_by;
    std::map<std::string, double> thresholds;
    storage::DayFigures figures;
    /// What the reader must know: records purged by retention from part of the day, the day still running, ...
    std::vector<std::string> notes;
    /// Reports already generated for this day (from the ledger), oldest first.
    std::vector<storage::ReportRecord> earlier;

    bool zero_report() const { return figures.total.fever == 0; }
};

/// One row of a range report: a day's totals (or one gate's).
struct RangeRow {
    LocalDate day;
    storage::GateFigures figures;
    bool purged = false;   ///< Past retention: its records are gone.
    bool partial = false;  ///< Part of it is past retention, or it is today.
};

/// Several local days, one row each (the 14-day ledger).
struct RangeReport {
    LocalDate first;
    LocalDate last;
    std::string site;
    std::string gateway;
    LocalTimeZone zone = LocalTimeZone::utc();
    std::optional<std::string> gate;
    std::int64_t generated_ms = 0;
    std::string generated_by;
    std::vector<RangeRow> rows;
    storage::GateFigures total;  ///< Over the rows.
    std::vector<std::string> notes;
};

/// Reads one day from the ledger. Throws ReportError (unknown gate, future day, past retention) and LedgerError.
DailyReport build_daily_report(storage::Ledger& ledger, const ReportSetting& setting, const LocalDate& day);
/// Reads `first`..`last` (inclusive). `progress(done, total)` is called after each day.
RangeReport build_range_report(storage::Ledger& ledger, const ReportSetting& setting, const LocalDate& first,
                               const LocalDate& last, const std::function<void(int, int)>& progress = {});

/// The retention cutoff (UTC ms) of the records a report reads: the newest of events, screenings and decisions.
std::int64_t report_retention_cutoff(const RetentionConfig& retention, std::int64_t now_ms);

}  // namespace gatehouse::daemon::reports
