// Gateway: the scheduled daily report (issue 17). The scheduler builds reports on its own thread; the reactor, the
// ledger's only writer, records each with its outbox entry in one group commit.
#include "gateway/gateway_impl.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace gatehouse::daemon {

void Gateway::Impl::start_report_scheduler() {
    auto schedule = reports::ReportSchedule::from_config(config, pseudonymiser);
    const bool alert_sink = forwarder && std::any_of(config.forwarding.sinks.begin(), config.forwarding.sinks.end(), [](const auto& s) {
                                return std::find(s.lanes.begin(), s.lanes.end(), storage::OutboxLane::alert) != s.lanes.end();
                            });
    if (schedule && !alert_sink) {
        spdlog::warn("[reports] daily_upstream_at is set, but no forwarding sink takes the alert lane: no daily report goes upstream");
        schedule.reset();
    }
    if (!schedule) {
        report_scheduler.reset();
        return;
    }
    spdlog::info("daily report upstream at {:02d}:{:02d} {} (the previous day's)", schedule->daily_minutes / 60,
                 schedule->daily_minutes % 60, schedule->setting.zone.name());
    if (report_scheduler) {
        report_scheduler->reconfigure(std::move(*schedule));
    } else {
        report_scheduler = std::make_unique<reports::ReportScheduler>(config.ledger_path, std::move(*schedule));
    }
}

void Gateway::Impl::queue_scheduled_reports() {
    if (!report_scheduler) return;
    while (auto report = report_scheduler->take_ready()) {
        open_batch();
        report->entry.for_report = pending.records.reports.size();
        pending.records.reports.push_back(std::move(report->record));
        pending.records.outbox.push_back(std::move(report->entry));
    }
}

}  // namespace gatehouse::daemon
