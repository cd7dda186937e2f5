// The JSON form of the reports: the one structure scripts, the upstream and the other formats read from.
#include <cmath>

#include "gatehouse/daemon/reports/report_formats.hpp"

namespace gatehouse::daemon::reports {
namespace {

using nlohmann::json;

template <typename T>
json or_null(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
}

double minutes(std::int64_t ms) { return std::round(static_cast<double>(ms) / 6000.0) / 10.0; }

json figures_json(const storage::GateFigures& g) {
    json reasons = json::object();
    for (const auto& [reason, n] : g.denied_by_reason) reasons[reason] = n;
    return {{"screened", g.screened_camera + g.screened_terminal},
            {"screened_camera", g.screened_camera},
            {"screened_terminal", g.screened_terminal},
            {"temperature_events", g.temperature_events},
            {"granted", g.granted},
            {"denied", g.denied},
            {"denied_by_reason", std::move(reasons)},
            {"fever", g.fever},
            {"uncertain", g.uncertain},
            {"uncertain_denied", g.uncertain_denied},
            {"health_code_red", g.health_code_red},
            {"health_code_yellow", g.health_code_yellow},
            {"unchecked_passes", g.unchecked_passes},
            {"alerts", g.alerts},
            {"terminal_offline_ms", g.terminal_offline_ms},
            {"terminal_offline_minutes", minutes(g.terminal_offline_ms)},
            {"camera_offline_ms", g.camera_offline_ms},
            {"camera_offline_minutes", minutes(g.camera_offline_ms)}};
}

json reading_json(const storage::FeverReading& r, const LocalTimeZone& zone) {
    return {{"time", zone.format_iso(r.at_ms)},
            {"time_ms", r.at_ms},
            {"gate", r.gate},
            {"source_kind", r.source_kind},
            {"source", r.source},
            {"person", or_null(r.person)},
            {"celsius", or_null(r.celsius)},
            {"screening", or_null(r.screening)},
            {"granted", or_null(r.granted)},
            {"alert", or_null(r.alert)},
            {"alert_state", or_null(r.alert_state)},
            {"recheck_celsius", or_null(r.recheck_celsius)},
            {"disposition", or_null(r.disposition)},
            {"note", r.note},
            {"closed_by", or_null(r.closed_by)},
            {"closed", r.closed_ms ? json(zone.format_iso(*r.closed_ms)) : json(nullptr)}};
}

}  // namespace

json to_json(const DailyReport& r) {
    const LocalTimeZone& zone = r.zone;
    json gates = json::array();
    for (const auto& g : r.figures.gates) {
        json o = {{"gate", g.gate}};
        o.update(figures_json(g));
        o["hourly_passages"] = g.hourly_passages;
        o["hourly_alerts"] = g.hourly_alerts;
        gates.push_back(std::move(o));
    }
    json total = figures_json(r.figures.total);
    total["hourly_passages"] = r.figures.total.hourly_passages;
    total["hourly_alerts"] = r.figures.total.hourly_alerts;
    json hours = json::array();
    for (const auto start : r.hour_starts) hours.push_back(zone.format(start, "%H:%M"));
    json fevers = json::array();
    for (const auto& f : r.figures.fevers) fevers.push_back(reading_json(f, zone));
    json uncertain = json::array();
    for (const auto& f : r.figures.uncertain_denials) uncertain.push_back(reading_json(f, zone));
    json offline = json::array();
    for (const auto& p : r.figures.offline) {
        offline.push_back({{"kind", p.kind},
                           {"gate", p.gate},
                           {"source", p.source},
                           {"from", zone.format_iso(p.from_ms)},
                           {"to", zone.format_iso(p.to_ms)},
                           {"minutes", minutes(p.to_ms - p.from_ms)},
                           {"open", p.open}});
    }
    json thresholds = json::object();
    for (const auto& [gate, t] : r.thresholds) thresholds[gate] = t;
    json earlier = json::array();
    for (const auto& e : r.earlier) {
        earlier.push_back({{"generated", zone.format_iso(e.generated_ms)}, {"actor", e.actor}, {"channel", e.channel},
                           {"format", e.format}, {"sha256", e.sha256}});
    }
    return {{"type", "daily_report"},
            {"day", r.day.to_string()},
            {"timezone", r.zone.name()},
            {"from", zone.format_iso(r.bounds.start_ms)},
            {"until", zone.format_iso(r.bounds.end_ms)},
            {"complete", r.complete},
            {"site", r.site},
            {"gateway", r.gateway},
            {"gate", or_null(r.gate)},
            {"generated", zone.format_iso(r.generated_ms)},
            {"generated_by", r.generated_by},
            {"zero_report", r.zero_report()},
            {"thresholds", std::move(thresholds)},
            {"total", std::move(total)},
            {"gates", std::move(gates)},
            {"hours", std::move(hours)},
            {"fever_readings", std::move(fevers)},
            {"uncertain_denials", std::move(uncertain)},
            {"offline", std::move(offline)},
            {"notes", r.notes},
            {"earlier_reports", std::move(earlier)}};
}

json to_json(const RangeReport& r) {
    const LocalTimeZone& zone = r.zone;
    json days = json::array();
    for (const auto& row : r.rows) {
        json o = {{"day", row.day.to_string()}, {"purged", row.purged}, {"partial", row.partial}};
        if (!row.purged) o.update(figures_json(row.figures));
        o["zero_report"] = !row.purged && row.figures.fever == 0;
        days.push_back(std::move(o));
    }
    return {{"type", "range_report"},
            {"since", r.first.to_string()},
            {"until", r.last.to_string()},
            {"timezone", r.zone.name()},
            {"site", r.site},
            {"gateway", r.gateway},
            {"gate", or_null(r.gate)},
            {"generated", zone.format_iso(r.generated_ms)},
            {"generated_by", r.generated_by},
            {"days", std::move(days)},
            {"total", figures_json(r.total)},
            {"notes", r.notes}};
}

void pseudonymise(DailyReport& report, const Pseudonymiser& p) {
    for (auto* list : {&report.figures.fevers, &report.figures.uncertain_denials}) {
        for (auto& f : *list) {
            if (f.person) f.person = p.pseudonym(*f.person);
        }
    }
}

}  // namespace gatehouse::daemon::reports
