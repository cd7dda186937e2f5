#include "gatehouse/daemon/reports/report_scheduler.hpp"

#include <spdlog/spdlog.h>

#include "gatehouse/daemon/reports/report_formats.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon::reports {
namespace {

// A report handed to the reactor is committed within a group commit; not seeing it recorded after this long means
// the commit failed (a full disk), and it is offered again.
constexpr auto kReofferAfter = std::chrono::seconds(10);

}  // namespace

std::optional<ReportSchedule> ReportSchedule::from_config(const GatewayConfig& config, std::optional<Pseudonymiser> pseudonymiser) {
    if (!config.reports.daily_upstream_minutes) return std::nullopt;
    ReportSchedule s;
    s.daily_minutes = *config.reports.daily_upstream_minutes;
    s.setting = ReportSetting::from_config(config);
    s.setting.generated_by = "gatehouse";
    s.pseudonymiser = std::move(pseudonymiser);
    return s;
}

std::optional<LocalDate> due_report_day(const ReportSchedule& schedule, std::int64_t now_ms, std::optional<LocalDate> last_sent) {
    const LocalTimeZone& zone = schedule.setting.zone;
    const LocalDate today = zone.date_of(now_ms);
    const LocalDate latest = now_ms >= zone.at(today, schedule.daily_minutes) ? today.plus_days(-1) : today.plus_days(-2);
    LocalDate next = last_sent ? last_sent->plus_days(1) : latest;
    // A day whose records are gone cannot be reported: catch up from the oldest day still in the ledger.
    const std::int64_t cutoff = report_retention_cutoff(schedule.setting.retention, now_ms);
    while (next <= latest && zone.day(next).start_ms < cutoff) next = next.plus_days(1);
    if (next > latest) return std::nullopt;
    return next;
}

ScheduledReport scheduled_report(const DailyReport& report) {
    nlohmann::json body = to_json(report);
    body["report"] = report.gateway + ":daily:" + report.day.to_string();  // receivers may also dedupe by date
    const ReportChatText chat = chat_summary(report);
    body["chat"] = {{"title", chat.title}, {"markdown", chat.markdown}};
    ScheduledReport s;
    s.entry.lane = storage::OutboxLane::alert;
    s.entry.kind = "daily_report";
    s.entry.gate = report.gate.value_or("");
    s.entry.created_ms = report.generated_ms;
    s.entry.body_json = body.dump();
    s.record.kind = "daily";
    s.record.first_day = s.record.last_day = report.day.to_string();
    s.record.gate = report.gate;
    s.record.timezone = report.zone.name();
    s.record.format = "upstream";
    s.record.channel = "upstream";
    s.record.actor = report.generated_by;
    s.record.generated_ms = report.generated_ms;
    s.record.sha256 = sha256_hex(s.entry.body_json);
    s.record.bytes = static_cast<std::int64_t>(s.entry.body_json.size());
    return s;
}

ReportScheduler::ReportScheduler(std::filesystem::path ledger, ReportSchedule schedule)
    : ledger_(std::move(ledger)), schedule_(std::move(schedule)), thread_([this] { run(); }) {}

ReportScheduler::~ReportScheduler() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

std::optional<ScheduledReport> ReportScheduler::take_ready() {
    std::lock_guard lock(mutex_);
    if (ready_.empty()) return std::nullopt;
    ScheduledReport r = std::move(ready_.front());
    ready_.pop_front();
    return r;
}

void ReportScheduler::reconfigure(ReportSchedule schedule) {
    {
        std::lock_guard lock(mutex_);
        schedule_ = std::move(schedule);
    }
    wake_.notify_all();
}

ReportSchedulerFigures ReportScheduler::figures() const {
    std::lock_guard lock(mutex_);
    return figures_;
}

void ReportScheduler::run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
        lock.unlock();
        step();
        lock.lock();
        // Right after a hand-over, look again soon: the next missed day follows once this one is recorded.
        const bool offered = offered_ && std::chrono::steady_clock::now() - offered_->second < kReofferAfter;
        const auto wait = offered ? std::min<std::chrono::milliseconds>(schedule_.poll, std::chrono::seconds(1)) : schedule_.poll;
        wake_.wait_for(lock, wait, [&] { return stop_; });
    }
}

// One look: what is recorded, what is due, and the next day's report built and handed over if it is.
void ReportScheduler::step() {
    ReportSchedule schedule;
    {
        std::lock_guard lock(mutex_);
        schedule = schedule_;
    }
    try {
        storage::Ledger ledger({ledger_, /*read_only=*/true});
        const auto last = ledger.last_upstream_report_day();
        {
            std::lock_guard lock(mutex_);
            ++figures_.checks;
            figures_.last_sent_day = last;
            figures_.last_error.clear();
        }
        const std::int64_t now_ms = ipc::utc_now_ms();
        const auto due = due_report_day(schedule, now_ms, last ? LocalDate::parse(*last) : std::nullopt);
        if (!due) return;
        {
            std::lock_guard lock(mutex_);
            if (offered_ && offered_->first == *due && std::chrono::steady_clock::now() - offered_->second < kReofferAfter) return;
        }
        ReportSetting setting = schedule.setting;
        setting.now_ms = now_ms;
        DailyReport report = build_daily_report(ledger, setting, *due);
        if (schedule.pseudonymiser) pseudonymise(report, *schedule.pseudonymiser);
        ScheduledReport ready = scheduled_report(report);
        spdlog::info("daily report for {} ({}) ready for upstream: {} screened, {} at or over the threshold{}", due->to_string(),
                     setting.zone.name(), report.figures.total.screened_camera + report.figures.total.screened_terminal,
                     report.figures.total.fever, report.zero_report() ? " (zero report)" : "");
        std::lock_guard lock(mutex_);
        ready_.push_back(std::move(ready));
        offered_ = {*due, std::chrono::steady_clock::now()};
    } catch (const std::exception& e) {
        std::lock_guard lock(mutex_);
        if (figures_.last_error != e.what()) spdlog::error("daily report upstream: {}", e.what());
        figures_.last_error = e.what();
    }
}

}  // namespace gatehouse::daemon::reports
