// Building the daily and range reports from the ledger: local days to UTC windows, retention, gates.
#include "gatehouse/daemon/reports/daily_report.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace gatehouse::daemon::reports {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

void check_gate(storage::Ledger& ledger, const ReportSetting& s) {
    if (!s.gate) return;
    if (std::find(s.configured_gates.begin(), s.configured_gates.end(), *s.gate) != s.configured_gates.end()) return;
    if (ledger.gate_has_records(*s.gate)) return;
    throw ReportError(ReportProblem::unknown_gate,
                      "unknown gate '" + *s.gate + "': not in the configuration and never seen in the ledger" +
                          (s.configured_gates.empty() ? std::string(" (no configuration given: pass --config)")
                                                      : " (configured gates: " + join(s.configured_gates) + ")"));
}

void check_not_future(const ReportSetting& s, const LocalDate& day) {
    const LocalDate today = s.zone.date_of(s.now_ms);
    if (day > today) {
        throw ReportError(ReportProblem::future_day, day.to_string() + " is in the future (today is " + today.to_string() +
                                                         " in " + s.zone.name() + ")");
    }
}

struct KindCutoff {
    const char* kind;
    int days;
    std::int64_t cutoff_ms;
};

std::vector<KindCutoff> cutoffs(const ReportSetting& s) {
    const auto& r = s.retention;
    return {{"events", r.events_days, s.now_ms - r.events_days * kDayMs},
            {"screenings", r.screenings_days, s.now_ms - r.screenings_days * kDayMs},
            {"decisions", r.decisions_days, s.now_ms - r.decisions_days * kDayMs}};
}

// The reports already made for `day`, as one clause for a message.
std::string earlier_reports_text(const std::vector<storage::ReportRecord>& earlier, const LocalTimeZone& zone) {
    if (earlier.empty()) return "no report was generated for that day before it was purged";
    std::string text = "reports generated for that day before it was purged: ";
    for (std::size_t i = 0; i < earlier.size(); ++i) {
        const auto& r = earlier[i];
        text += (i ? "; " : "") + zone.format(r.generated_ms, "%Y-%m-%d %H:%M") + " by " + r.actor + " (" + r.channel + ", " +
                r.format + ", sha256 " + r.sha256.substr(0, 16) + "…)";
    }
    return text;
}

}  // namespace

std::int64_t report_retention_cutoff(const RetentionConfig& r, std::int64_t now_ms) {
    return now_ms - std::min({r.events_days, r.screenings_days, r.decisions_days}) * kDayMs;
}

ReportSetting ReportSetting::from_config(const GatewayConfig& config) {
    ReportSetting s;
    s.site = config.site;
    s.gateway = config.gateway_id;
    s.zone = config.time_zone();
    for (const auto& g : config.gates) {
        s.configured_gates.push_back(g.id);
        s.thresholds[g.id] = g.policy.fever_threshold;
    }
    s.retention = config.retention;
    s.retention_known = true;
    return s;
}

DailyReport build_daily_report(storage::Ledger& ledger, const ReportSetting& s, const LocalDate& day) {
    check_gate(ledger, s);
    check_not_future(s, day);
    DailyReport r;
    r.day = day;
    r.site = s.site;
    r.gateway = s.gateway;
    r.zone = s.zone;
    r.gate = s.gate;
    r.bounds = s.zone.day(day);
    r.hour_starts = s.zone.hour_starts(day);
    r.complete = s.now_ms >= r.bounds.end_ms;
    r.generated_ms = s.now_ms;
    r.generated_by = s.generated_by;
    r.thresholds = s.thresholds;
    r.earlier = ledger.reports(day.to_string(), day.to_string());

    const auto kinds = cutoffs(s);
    std::vector<std::string> purged_whole, purged_part;
    std::int64_t latest_cutoff = 0;
    for (const auto& k : kinds) {
        if (k.cutoff_ms >= r.bounds.end_ms) {
            purged_whole.push_back(fmt::format("{} (kept {} days)", k.kind, k.days));
        } else if (k.cutoff_ms > r.bounds.start_ms) {
            purged_part.push_back(fmt::format("{} (kept {} days)", k.kind, k.days));
            latest_cutoff = std::max(latest_cutoff, k.cutoff_ms);
        }
    }
    if (purged_whole.size() == kinds.size()) {
        throw ReportError(ReportProblem::past_retention,
                          fmt::format("{} ({}) is past retention: its {} were purged; records older than {} are gone{}. "
                                      "Alerts are kept {} days. {}",
                                      day.to_string(), s.zone.name(), join(purged_whole),
                                      s.zone.format(report_retention_cutoff(s.retention, s.now_ms), "%Y-%m-%d %H:%M %z"),
                                      s.retention_known ? "" : " (retention assumed at its defaults: pass --config)",
                                      s.retention.alerts_days, earlier_reports_text(r.earlier, s.zone)));
    }
    if (!purged_whole.empty()) {
        r.notes.push_back("Past retention for this day, purged: " + join(purged_whole) + ". The figures that depend on them are missing.");
    }
    if (!purged_part.empty()) {
        r.notes.push_back("Records before " + s.zone.format(latest_cutoff, "%H:%M") + " were purged by retention (" +
                          join(purged_part) + "): the figures before then are incomplete.");
    }
    if (!r.complete) r.notes.push_back("The day is not over: figures up to " + s.zone.format(s.now_ms, "%H:%M") + ".");

    storage::ReportQuery q;
    q.start_ms = r.bounds.start_ms;
    q.end_ms = r.bounds.end_ms;
    q.hours = static_cast<int>(r.hour_starts.size());
    q.gate = s.gate;
    q.thresholds = s.thresholds;
    q.now_ms = s.now_ms;
    r.figures = ledger.report_figures(q);
    // A configured gate without a record that day is shown with its zeros: idle, not forgotten.
    for (const auto& id : s.configured_gates) {
        if (s.gate && *s.gate != id) continue;
        auto& gates = r.figures.gates;
        const auto at = std::lower_bound(gates.begin(), gates.end(), id, [](const auto& g, const std::string& x) { return g.gate < x; });
        if (at != gates.end() && at->gate == id) continue;
        storage::GateFigures idle;
        idle.gate = id;
        idle.hourly_passages.assign(r.hour_starts.size(), 0);
        idle.hourly_alerts.assign(r.hour_starts.size(), 0);
        gates.insert(at, std::move(idle));
    }
    return r;
}

RangeReport build_range_report(storage::Ledger& ledger, const ReportSetting& s, const LocalDate& first,
                               const LocalDate& last, const std::function<void(int, int)>& progress) {
    if (first > last) {
        throw ReportError(ReportProblem::bad_range, "--since " + first.to_string() + " is after --until " + last.to_string());
    }
    constexpr long kMaxDays = 366;
    const long days = last.days_since_epoch() - first.days_since_epoch() + 1;
    if (days > kMaxDays) {
        throw ReportError(ReportProblem::bad_range, fmt::format("{} days asked for; a range report covers at most {}", days, kMaxDays));
    }
    check_gate(ledger, s);
    check_not_future(s, last);
    RangeReport r;
    r.first = first;
    r.last = last;
    r.site = s.site;
    r.gateway = s.gateway;
    r.zone = s.zone;
    r.gate = s.gate;
    r.generated_ms = s.now_ms;
    r.generated_by = s.generated_by;
    const auto kinds = cutoffs(s);
    int purged_days = 0;
    for (long i = 0; i < days; ++i) {
        RangeRow row;
        row.day = first.plus_days(i);
        const LocalDayBounds bounds = s.zone.day(row.day);
        const bool all_purged = std::all_of(kinds.begin(), kinds.end(), [&](const auto& k) { return k.cutoff_ms >= bounds.end_ms; });
        const bool some_purged = std::any_of(kinds.begin(), kinds.end(), [&](const auto& k) { return k.cutoff_ms > bounds.start_ms; });
        row.purged = all_purged;
        row.partial = !all_purged && (some_purged || s.now_ms < bounds.end_ms);
        if (!row.purged) {
            storage::ReportQuery q;
            q.start_ms = bounds.start_ms;
            q.end_ms = bounds.end_ms;
            q.gate = s.gate;
            q.thresholds = s.thresholds;
            q.now_ms = s.now_ms;
            q.details = false;
            row.figures = ledger.report_figures(q).total;
            r.total += row.figures;
        } else {
            ++purged_days;
        }
        r.rows.push_back(std::move(row));
        if (progress) progress(static_cast<int>(i + 1), static_cast<int>(days));
    }
    if (purged_days == days) {
        throw ReportError(ReportProblem::past_retention,
                          fmt::format("{} to {} ({}) is past retention: events, screenings and decisions older than {} "
                                      "were purged (kept {}, {} and {} days){}",
                                      first.to_string(), last.to_string(), s.zone.name(),
                                      s.zone.format(report_retention_cutoff(s.retention, s.now_ms), "%Y-%m-%d %H:%M %z"),
                                      s.retention.events_days, s.retention.screenings_days, s.retention.decisions_days,
                                      s.retention_known ? "" : " (retention assumed at its defaults: pass --config)"));
    }
    if (purged_days > 0) {
        r.notes.push_back(fmt::format("{} of the {} days are past retention (their records were purged) and show no figures.",
                                      purged_days, days));
    }
    return r;
}

}  // namespace gatehouse::daemon::reports
