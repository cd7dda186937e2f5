#pragma once
// The daily report upstream: at a local time each day, the previous day's report goes through the outbox to
// the sinks that take the alert lane (chat robots, MQTT, webhooks), once per day and idempotent by date.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "gatehouse/daemon/pseudonymiser.hpp"
#include "gatehouse/daemon/reports/daily_report.hpp"
#include "gatehouse/storage/outbox_record.hpp"
#include "gatehouse/storage/report_record.hpp"

namespace gatehouse::daemon::reports {

/// What the scheduler needs to know; from the configuration (ReportSchedule::from_config).
struct ReportSchedule {
    int daily_minutes = 8 * 60;          ///< Local time of day the previous day's report is due.
    ReportSetting setting;               ///< Zone, site, gateway, gates, thresholds, retention.
    std::optional<Pseudonymiser> pseudonymiser;  ///< Persons by pseudonym upstream ([privacy]).
    /// How often the scheduler looks whether a report is due (and re-offers one whose commit it did not see).
    std::chrono::milliseconds poll{std::chrono::seconds(20)};

    /// Unset when the configuration has no [reports] daily_upstream_at.
    static std::optional<ReportSchedule> from_config(const GatewayConfig& config, std::optional<Pseudonymiser> pseudonymiser);
};

/// A report ready for the ledger: its record (channel upstream) and the outbox entry that carries it. The reactor
/// appends both in one transaction, the entry with for_report naming the record, so that a day already recorded
/// (a restart, a report offered twice) is skipped as a whole.
struct ScheduledReport {
    storage::ReportRecord record;
    storage::OutboxEntry entry;
};

/// The day (if any) whose report is due at `now_ms`: from the day after `last_sent` (or yesterday, the first time)
/// up to yesterday once the local time has passed daily_minutes, never a day past retention. Pure function.
std::optional<LocalDate> due_report_day(const ReportSchedule& schedule, std::int64_t now_ms, std::optional<LocalDate> last_sent);

/// The outbox entry of a day's report: kind daily_report on the alert lane, the report's JSON with a `chat`
/// object (title, markdown) that chat robot sinks send as a message of its own.
ScheduledReport scheduled_report(const DailyReport& report);

/// What the scheduler has done (status).
struct ReportSchedulerFigures {
    std::int64_t checks = 0;                   ///< Looks at the ledger since start.
    std::optional<std::string> last_sent_day;  ///< The newest day recorded as sent upstream.
    std::string last_error;                    ///< Empty when the last look succeeded.
};

/// Builds due reports on a thread of its own with its own read-only connection to the ledger (the reactor never
/// waits for a report to be read), and hands each to the reactor through take_ready(). What was recorded is read
/// back from the ledger's reports table, so a restart, a failed commit or an outage of the upstream neither
/// loses nor repeats a day: the outbox then delivers it (at-least-once, one key) when the upstream is back.
/// Thread-safety: take_ready(), reconfigure() and last_error() may be called from any thread.
class ReportScheduler {
public:
    ReportScheduler(std::filesystem::path ledger, ReportSchedule schedule);
    ~ReportScheduler();  ///< Stops and joins.
    ReportScheduler(const ReportScheduler&) = delete;
    ReportScheduler& operator=(const ReportScheduler&) = delete;

    /// A report ready to be appended to the ledger, oldest day first.
    std::optional<ScheduledReport> take_ready();
    void reconfigure(ReportSchedule schedule);
    ReportSchedulerFigures figures() const;

private:
    void run();
    void step();

    std::filesystem::path ledger_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    ReportSchedule schedule_;
    std::deque<ScheduledReport> ready_;
    std::optional<std::pair<LocalDate, std::chrono::steady_clock::time_point>> offered_;  ///< Last day handed over.
    ReportSchedulerFigures figures_;
    std::thread thread_;  // last: started once everything it uses exists
};

}  // namespace gatehouse::daemon::reports
