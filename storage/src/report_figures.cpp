// Ledger: the figures of the daily report, and the record of reports generated.
#include <algorithm>

#include "gatehouse/storage/ledger.hpp"
#include "ledger_connection.hpp"

namespace gatehouse::storage {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;

GateFigures& figures_of(std::map<std::string, GateFigures>& gates, const std::string& gate, int hours) {
    auto [it, added] = gates.try_emplace(gate);
    if (added) {
        it->second.gate = gate;
        it->second.hourly_passages.assign(static_cast<std::size_t>(hours), 0);
        it->second.hourly_alerts.assign(static_cast<std::size_t>(hours), 0);
    }
    return it->second;
}

void add_hourly(std::vector<std::int64_t>& buckets, std::int64_t hour, std::int64_t count) {
    if (hour >= 0 && hour < static_cast<std::int64_t>(buckets.size())) buckets[static_cast<std::size_t>(hour)] += count;
}

// " AND <column> = :gate" when the query is for one gate.
std::string gate_clause(const ReportQuery& q, const char* column) {
    return q.gate ? std::string(" AND ") + column + " = :gate" : std::string();
}

void bind_window(SQLite::Statement& s, const ReportQuery& q) {
    s.bind(":start", q.start_ms);
    s.bind(":end", q.end_ms);
    if (q.gate) s.bind(":gate", *q.gate);
}

// The strings of a JSON array of reason codes ('["fever","no_health_code"]'): the gateway writes them, plain
// identifiers without escapes; anything else in the text is skipped.
std::vector<std::string> reason_list(const std::string& json_array) {
    std::vector<std::string> out;
    for (std::size_t at = json_array.find('"'); at != std::string::npos; at = json_array.find('"', at)) {
        const std::size_t end = json_array.find('"', at + 1);
        if (end == std::string::npos) break;
        out.push_back(json_array.substr(at + 1, end - at - 1));
        at = end + 1;
    }
    return out;
}

// The re-check recorded when `alert` was closed (the latest close), into `r`.
void read_close(SQLite::Database& db, std::int64_t alert, FeverReading& r) {
    SQLite::Statement a(db, "SELECT state FROM alerts WHERE id = ?");
    a.bind(1, alert);
    if (!a.executeStep()) return;
    r.alert = alert;
    r.alert_state = a.getColumn(0).getString();
    SQLite::Statement c(db,
                        "SELECT actor, note, at_ms, disposition, recheck_celsius FROM alert_actions "
                        "WHERE alert = ? AND action = 'closed' ORDER BY at_ms DESC, id DESC LIMIT 1");
    c.bind(1, alert);
    if (!c.executeStep()) return;
    r.closed_by = c.getColumn(0).getString();
    r.note = c.getColumn(1).getString();
    r.closed_ms = c.getColumn(2).getInt64();
    if (!c.getColumn(3).isNull()) r.disposition = c.getColumn(3).getString();
    if (!c.getColumn(4).isNull()) r.recheck_celsius = c.getColumn(4).getDouble();
}

// The alert raised for an access request (kind fever or denied), found by the request and terminal it names.
std::optional<std::int64_t> alert_for_request(SQLite::Database& db, const char* kind, const std::string& terminal,
                                              const std::string& request, std::int64_t decided_ms) {
    // The alert is raised in the same reactor step as the decision: within a minute covers any clock step.
    SQLite::Statement q(db,
                        "SELECT id FROM alerts WHERE raised_ms BETWEEN ? AND ? AND kind = ? AND source = ? AND request = ? "
                        "ORDER BY id LIMIT 1");
    q.bind(1, decided_ms - 60'000);
    q.bind(2, decided_ms + 60'000);
    q.bind(3, kind);
    q.bind(4, terminal);
    q.bind(5, request);
    if (q.executeStep()) return q.getColumn(0).getInt64();
    return std::nullopt;
}

}  // namespace

GateFigures& GateFigures::operator+=(const GateFigures& o) {
    screened_camera += o.screened_camera;
    screened_terminal += o.screened_terminal;
    temperature_events += o.temperature_events;
    granted += o.granted;
    denied += o.denied;
    for (const auto& [reason, n] : o.denied_by_reason) denied_by_reason[reason] += n;
    fever += o.fever;
    uncertain += o.uncertain;
    uncertain_denied += o.uncertain_denied;
    health_code_red += o.health_code_red;
    health_code_yellow += o.health_code_yellow;
    unchecked_passes += o.unchecked_passes;
    alerts += o.alerts;
    terminal_offline_ms += o.terminal_offline_ms;
    camera_offline_ms += o.camera_offline_ms;
    if (hourly_passages.size() < o.hourly_passages.size()) hourly_passages.resize(o.hourly_passages.size());
    if (hourly_alerts.size() < o.hourly_alerts.size()) hourly_alerts.resize(o.hourly_alerts.size());
    for (std::size_t i = 0; i < o.hourly_passages.size(); ++i) hourly_passages[i] += o.hourly_passages[i];
    for (std::size_t i = 0; i < o.hourly_alerts.size(); ++i) hourly_alerts[i] += o.hourly_alerts[i];
    return *this;
}

DayFigures Ledger::report_figures(const ReportQuery& query) {
    auto& db = impl_->db;
    std::map<std::string, GateFigures> gates;
    DayFigures out;
    const int hours = std::max(query.hours, 0);
    try {
        {
            SQLite::Statement s(db, "SELECT gate, verdict, COUNT(*) FROM screenings WHERE screened_ms >= :start AND "
                                    "screened_ms < :end" + gate_clause(query, "gate") + " GROUP BY gate, verdict");
            bind_window(s, query);
            while (s.executeStep()) {
                auto& g = figures_of(gates, s.getColumn(0).getString(), hours);
                const std::int64_t n = s.getColumn(2).getInt64();
                g.screened_camera += n;
                if (s.getColumn(1).getString() == "uncertain") g.uncertain += n;
            }
        }
        {
            SQLite::Statement s(db, "SELECT gate, (raised_ms - :start) / " + std::to_string(kHourMs) +
                                        " AS hour, COUNT(*) FROM alerts WHERE raised_ms >= :start AND raised_ms < :end" +
                                        gate_clause(query, "gate") + " GROUP BY gate, hour");
            bind_window(s, query);
            while (s.executeStep()) {
                auto& g = figures_of(gates, s.getColumn(0).getString(), hours);
                g.alerts += s.getColumn(2).getInt64();
                add_hourly(g.hourly_alerts, s.getColumn(1).getInt64(), s.getColumn(2).getInt64());
            }
        }
        // Fever readings (a): camera screenings judged elevated; the person comes from the decision that used it.
        {
            SQLite::Statement s(db,
                                "SELECT s.id, s.gate, s.camera, s.screened_ms, s.celsius, "
                                "(SELECT person FROM decisions WHERE screening = s.id ORDER BY id LIMIT 1), "
                                "(SELECT result FROM decisions WHERE screening = s.id ORDER BY id LIMIT 1), "
                                "(SELECT id FROM alerts WHERE screening = s.id AND kind = 'fever' ORDER BY id LIMIT 1) "
                                "FROM screenings s WHERE s.screened_ms >= :start AND s.screened_ms < :end AND "
                                "s.verdict = 'elevated'" + gate_clause(query, "s.gate") + " ORDER BY s.screened_ms, s.id");
            bind_window(s, query);
            while (s.executeStep()) {
                FeverReading r;
                r.screening = s.getColumn(0).getInt64();
                r.gate = s.getColumn(1).getString();
                r.source_kind = "camera";
                r.source = s.getColumn(2).getString();
                r.at_ms = s.getColumn(3).getInt64();
                if (!s.getColumn(4).isNull()) r.celsius = s.getColumn(4).getDouble();
                if (!s.getColumn(5).isNull()) r.person = s.getColumn(5).getString();
                if (!s.getColumn(6).isNull()) r.granted = s.getColumn(6).getString() == "grant";
                ++figures_of(gates, r.gate, hours).fever;
                if (query.details) {
                    if (!s.getColumn(7).isNull()) read_close(db, s.getColumn(7).getInt64(), r);
                    out.fevers.push_back(std::move(r));
                }
            }
        }
        // One pass over the day's decisions (the largest table a report reads): counts by gate, result and hour,
        // denial reasons, and (b) the access requests denied for fever by the terminal's own reading (no elevated
        // screening behind them) and the denials for an uncertain screening, with the alerts raised for them.
        {
            SQLite::Statement s(db,
                                "SELECT gate, result, decided_ms, health_code, alert, celsius, screening, reasons, terminal, request, "
                                "person FROM decisions WHERE decided_ms >= :start AND decided_ms < :end" +
                                    gate_clause(query, "gate") + " ORDER BY decided_ms, id");
            bind_window(s, query);
            SQLite::Statement elevated(db, "SELECT 1 FROM screenings WHERE id = ? AND verdict = 'elevated'");
            while (s.executeStep()) {
                auto& g = figures_of(gates, s.getColumn(0).getString(), hours);
                const bool grant = s.getColumn(1).getString() == "grant";
                const std::int64_t at = s.getColumn(2).getInt64();
                const bool has_celsius = !s.getColumn(5).isNull();
                const bool has_screening = !s.getColumn(6).isNull();
                if (grant) {
                    ++g.granted;
                    add_hourly(g.hourly_passages, (at - query.start_ms) / kHourMs, 1);
                    if (s.getColumn(4).getInt() != 0) ++g.unchecked_passes;
                } else {
                    ++g.denied;
                }
                if (!s.getColumn(3).isNull()) {
                    const std::string code = s.getColumn(3).getString();
                    if (code == "red") ++g.health_code_red;
                    if (code == "yellow") ++g.health_code_yellow;
                }
                if (has_celsius && !has_screening) ++g.screened_terminal;
                const std::string reasons_text = s.getColumn(7).getString();
                const bool fever = reasons_text.find("\"fever\"") != std::string::npos;
                const bool uncertain = reasons_text.find("\"screening_uncertain\"") != std::string::npos;
                if (!grant) {
                    for (const auto& reason : reason_list(reasons_text)) {
                        ++g.denied_by_reason[reason];
                        if (reason == "screening_uncertain") ++g.uncertain_denied;
                    }
                }
                if (!fever && !(uncertain && !grant)) continue;
                FeverReading r;
                r.gate = g.gate;
                r.source = s.getColumn(8).getString();
                const std::string request = s.getColumn(9).getString();
                r.person = s.getColumn(10).getString();
                r.at_ms = at;
                if (has_celsius) r.celsius = s.getColumn(5).getDouble();
                r.granted = grant;
                if (has_screening) r.screening = s.getColumn(6).getInt64();
                if (fever) {
                    bool counted_by_camera = false;
                    if (r.screening) {
                        elevated.reset();
                        elevated.bind(1, *r.screening);
                        counted_by_camera = elevated.executeStep();
                        elevated.reset();
                    }
                    if (counted_by_camera) continue;
                    r.source_kind = "terminal";
                    ++g.fever;
                    if (query.details) {
                        if (auto alert = alert_for_request(db, "fever", r.source, request, r.at_ms)) read_close(db, *alert, r);
                        out.fevers.push_back(std::move(r));
                    }
                } else if (query.details) {
                    r.source_kind = "camera";
                    if (auto alert = alert_for_request(db, "denied", r.source, request, r.at_ms)) read_close(db, *alert, r);
                    out.uncertain_denials.push_back(std::move(r));
                }
            }
        }
        // (c) terminal `temperature` events at or over their gate's threshold (readings outside access requests).
        {
            SQLite::Statement s(db,
                                "SELECT gate, terminal, person, occurred_ms, json_extract(data, '$.celsius') FROM events "
                                "WHERE kind = 'temperature' AND occurred_ms >= :start AND occurred_ms < :end" +
                                    gate_clause(query, "gate") + " ORDER BY occurred_ms, id");
            bind_window(s, query);
            while (s.executeStep()) {
                auto& g = figures_of(gates, s.getColumn(0).getString(), hours);
                ++g.temperature_events;
                if (s.getColumn(4).isNull()) continue;
                const double celsius = s.getColumn(4).getDouble();
                const auto t = query.thresholds.find(g.gate);
                if (celsius < (t == query.thresholds.end() ? query.default_threshold : t->second)) continue;
                ++g.fever;
                if (!query.details) continue;
                FeverReading r;
                r.gate = g.gate;
                r.source_kind = "terminal_event";
                r.source = s.getColumn(1).getString();
                if (!s.getColumn(2).isNull()) r.person = s.getColumn(2).getString();
                r.at_ms = s.getColumn(3).getInt64();
                r.celsius = celsius;
                out.fevers.push_back(std::move(r));
            }
        }
        // Offline periods: terminal_offline and camera_fault alerts, from raise to close, clipped to the window.
        {
            SQLite::Statement s(db,
                                "SELECT a.kind, a.gate, a.source, a.raised_ms, "
                                "(SELECT MIN(at_ms) FROM alert_actions WHERE alert = a.id AND action = 'closed') "
                                "FROM alerts a WHERE a.raised_ms < :end AND a.kind IN ('terminal_offline', 'camera_fault')" +
                                    gate_clause(query, "a.gate") + " ORDER BY a.raised_ms, a.id");
            s.bind(":end", query.end_ms);
            if (query.gate) s.bind(":gate", *query.gate);
            const std::int64_t horizon = std::min(query.end_ms, std::max(query.now_ms, query.start_ms));
            while (s.executeStep()) {
                OfflinePeriod p{s.getColumn(0).getString(), s.getColumn(1).getString(), s.getColumn(2).getString(),
                                s.getColumn(3).getInt64(), 0, s.getColumn(4).isNull()};
                const std::int64_t until = p.open ? horizon : s.getColumn(4).getInt64();
                p.open = p.open || until > query.end_ms;
                p.from_ms = std::max(p.from_ms, query.start_ms);
                p.to_ms = std::min(until, query.end_ms);
                if (p.to_ms <= p.from_ms) continue;
                auto& g = figures_of(gates, p.gate, hours);
                (p.kind == "camera_fault" ? g.camera_offline_ms : g.terminal_offline_ms) += p.to_ms - p.from_ms;
                if (query.details) out.offline.push_back(std::move(p));
            }
        }
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read report figures");
    }
    std::stable_sort(out.fevers.begin(), out.fevers.end(), [](const auto& a, const auto& b) { return a.at_ms < b.at_ms; });
    out.total.gate = "";
    out.total.hourly_passages.assign(static_cast<std::size_t>(hours), 0);
    out.total.hourly_alerts.assign(static_cast<std::size_t>(hours), 0);
    for (auto& [id, g] : gates) {
        out.total += g;
        out.gates.push_back(std::move(g));
    }
    return out;
}

std::vector<ReportRecord> Ledger::reports(const std::string& first_day, const std::string& last_day) {
    std::vector<ReportRecord> out;
    try {
        SQLite::Statement q(impl_->db,
                            "SELECT kind, first_day, last_day, gate, timezone, format, channel, actor, generated_ms, sha256, bytes "
                            "FROM reports WHERE first_day <= ? AND last_day >= ? ORDER BY generated_ms, id");
        q.bind(1, last_day);
        q.bind(2, first_day);
        while (q.executeStep()) {
            ReportRecord r;
            r.kind = q.getColumn(0).getString();
            r.first_day = q.getColumn(1).getString();
            r.last_day = q.getColumn(2).getString();
            if (!q.getColumn(3).isNull()) r.gate = q.getColumn(3).getString();
            r.timezone = q.getColumn(4).getString();
            r.format = q.getColumn(5).getString();
            r.channel = q.getColumn(6).getString();
            r.actor = q.getColumn(7).getString();
            r.generated_ms = q.getColumn(8).getInt64();
            r.sha256 = q.getColumn(9).getString();
            r.bytes = q.getColumn(10).getInt64();
            out.push_back(std::move(r));
        }
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read reports");
    }
    return out;
}

std::optional<std::string> Ledger::last_upstream_report_day() {
    try {
        SQLite::Statement q(impl_->db, "SELECT MAX(first_day) FROM reports WHERE channel = 'upstream'");
        if (q.executeStep() && !q.getColumn(0).isNull()) return q.getColumn(0).getString();
        return std::nullopt;
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read reports");
    }
}

bool Ledger::gate_has_records(const std::string& gate) {
    try {
        SQLite::Statement q(impl_->db,
                            "SELECT EXISTS (SELECT 1 FROM events WHERE gate = ?1) OR EXISTS (SELECT 1 FROM decisions WHERE gate = ?1) "
                            "OR EXISTS (SELECT 1 FROM screenings WHERE gate = ?1) OR EXISTS (SELECT 1 FROM alerts WHERE gate = ?1)");
        q.bind(1, gate);
        return q.executeStep() && q.getColumn(0).getInt() != 0;
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "look up gate");
    }
}

std::int64_t Ledger::oldest_record_ms() {
    try {
        return impl_->db
            .execAndGet("SELECT MIN(t) FROM (SELECT MIN(occurred_ms) AS t FROM events UNION ALL SELECT MIN(screened_ms) FROM "
                        "screenings UNION ALL SELECT MIN(decided_ms) FROM decisions)")
            .getInt64();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read oldest record");
    }
}

}  // namespace gatehouse::storage
