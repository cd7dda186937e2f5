// Gateway: the scheduled daily report (issue 17). The scheduler builds reports on its own thread; the reactor, the
// ledger's only writer, records each with its outbox entry in one group commit.
#include "gateway/gateway_impl.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace gatehouse::daemon {

void Gateway::Impl::start_report_scheduler(const GatewayConfig& c) {
    auto schedule = reports::ReportSchedule::from_config(c, pseudonymiser);
    const bool alert_sink = forwarder && std::any_of(c.forwarding.sinks.begin(), c.forwarding.sinks.end(), [](const auto& s) {
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
        report_scheduler = std::make_unique<reports::ReportScheduler>(c.ledger_path, std::move(*schedule));
    }
}

void Gateway::Impl::queue_scheduled_reports() {
    if (!report_scheduler) return;
    while (auto report = report_scheduler->take_ready()) batch.add_report(std::move(report->record), std::move(report->entry));
}

nlohmann::json Gateway::Impl::reports_status() const {
    nlohmann::json out = {{"timezone", config.time_zone().name()}, {"daily_upstream_at", nullptr}};
    if (const auto at = config.reports.daily_upstream_minutes) out["daily_upstream_at"] = fmt::format("{:02d}:{:02d}", *at / 60, *at % 60);
    if (!report_scheduler) return out;
    const auto f = report_scheduler->figures();
    out["checks"] = f.checks;
    out["last_sent_day"] = f.last_sent_day ? nlohmann::json(*f.last_sent_day) : nlohmann::json(nullptr);
    out["error"] = f.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.last_error);
    return out;
}

}  // namespace gatehouse::daemon
