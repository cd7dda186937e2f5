// History: events, decisions and screenings by person, gate, kind and time (one person's 14 days, as
// `gatehouse history`), as JSON for the page and as CSV for a spreadsheet.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "gatehouse/ipc/terminal_codec.hpp"
#include "web/console_body.hpp"
#include "web/web_context.hpp"

namespace gatehouse::daemon::web {
namespace {

using nlohmann::json;

constexpr std::int64_t kDefaultDays = 14;
constexpr std::size_t kPageRows = 500;
constexpr std::size_t kMaxPageRows = 5000;
constexpr std::size_t kMaxExportRows = 100000;
const std::set<std::string> kEventKinds = {"credential", "health_code", "temperature", "door", "tamper", "fault"};

/// One line of the history, whichever table it came from.
struct HistoryRow {
    std::int64_t at_ms = 0;
    json object;
};

struct History {
    std::vector<HistoryRow> rows;
    bool truncated = false;
};

// The page's filters into one query per table; the error text, or empty.
std::string read_query(const httplib::Request& req, const LocalTimeZone& zone, storage::RecordQuery& q, std::string& kind, std::size_t max_rows) {
    if (const std::string error = read_filters(req, zone, q, kPageRows, max_rows); !error.empty()) return error;
    if (!q.since_ms) q.since_ms = ipc::utc_now_ms() - kDefaultDays * 86'400'000;
    if (req.has_param("person") && !req.get_param_value("person").empty()) q.person = req.get_param_value("person");
    kind = req.has_param("kind") ? req.get_param_value("kind") : "";
    if (!kind.empty() && kind != "decision" && kind != "screening" && !kEventKinds.count(kind)) {
        return "kind: decision, screening, or an event kind (credential, health_code, temperature, door, tamper, fault)";
    }
    if (q.person && q.person->size() > 128) return "person: at most 128 bytes";
    return "";
}

History read_history(WebContext& web, const storage::RecordQuery& q, const std::string& kind) {
    History h;
    web.ledger.read([&](storage::Ledger& ledger) {
        if (kind.empty() || kEventKinds.count(kind)) {
            storage::EventFilter f;
            f.gate = q.gate;
            f.person = q.person;
            if (!kind.empty()) f.kind = kind;
            f.since_ms = q.since_ms;
            f.until_ms = q.until_ms;
            f.last = static_cast<std::int64_t>(q.limit);
            std::size_t n = 0;
            ledger.for_each_event(f, [&](const storage::StoredEvent& row) {
                ++n;
                json o = console_body(row.event);
                o["type"] = "event";
                o["id"] = row.id;
                o["source"] = row.event.terminal;
                h.rows.push_back({row.event.occurred_ms, std::move(o)});
            });
            h.truncated = h.truncated || n >= q.limit;
        }
        if (kind.empty() || kind == "decision") {
            const auto decisions = ledger.find_decisions(q);
            for (const auto& d : decisions) {
                json o = console_body(d.decision);
                o["id"] = d.id;
                o["source"] = d.decision.terminal;
                h.rows.push_back({d.decision.decided_ms, std::move(o)});
            }
            h.truncated = h.truncated || decisions.size() >= q.limit;
        }
        // Screenings name no person: they belong to a search by gate or time only.
        if (!q.person && (kind.empty() || kind == "screening")) {
            const auto screenings = ledger.find_screenings(q);
            for (const auto& s : screenings) {
                json o = console_body(s);
                o["source"] = s.camera;
                h.rows.push_back({s.screened_ms, std::move(o)});
            }
            h.truncated = h.truncated || screenings.size() >= q.limit;
        }
    });
    std::stable_sort(h.rows.begin(), h.rows.end(), [](const auto& a, const auto& b) { return a.at_ms > b.at_ms; });
    if (h.rows.size() > q.limit) {
        h.rows.resize(q.limit);
        h.truncated = true;
    }
    return h;
}

std::string describe(const storage::RecordQuery& q, const std::string& kind) {
    std::string d;
    auto add = [&d](const std::string& part) { d += (d.empty() ? "" : " ") + part; };
    if (q.person) add("person=" + *q.person);
    if (q.gate) add("gate=" + *q.gate);
    if (!kind.empty()) add("kind=" + kind);
    if (q.since_ms) add("since=" + ipc::format_utc_timestamp(*q.since_ms));
    if (q.until_ms) add("until=" + ipc::format_utc_timestamp(*q.until_ms));
    return d;
}

// RFC 4180 quoting; a cell a spreadsheet would run as a formula (=, +, -, @ first) is prefixed with ' (person ids
// and event data come from terminals).
std::string csv_cell(const std::string& text) {
    std::string cell = text;
    if (!cell.empty() && std::string_view("=+-@\t\r").find(cell.front()) != std::string_view::npos) cell.insert(0, "'");
    if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
    std::string quoted = "\"";
    for (char c : cell) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string text_of(const json& v) {
    if (v.is_null()) return "";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_float()) return fmt::format("{:.1f}", v.get<double>());
    return v.dump();
}

std::string csv(const History& h) {
    // A byte-order mark: Excel opens UTF-8 with Chinese names correctly only with it.
    std::string out = "\xEF\xBB\xBFtime_utc,type,gate,source,person,what,result,celsius,reasons,detail\r\n";
    for (const auto& row : h.rows) {
        const json& o = row.object;
        const std::string type = o.value("type", "");
        std::string what = type == "event" ? o.value("kind", "") : type;
        std::string result = type == "decision" ? o.value("result", "") : type == "screening" ? o.value("verdict", "") : "";
        std::string reasons;
        for (const auto& r : o.value("reasons", json::array())) reasons += (reasons.empty() ? "" : " ") + text_of(r);
        std::string detail;
        json data = o.value("data", json::object());
        if (!data.is_object()) data = json::object();
        if (type == "event") {
            for (const auto& [key, value] : data.items()) {
                if (key != "person") detail += (detail.empty() ? "" : " ") + key + "=" + text_of(value);
            }
        } else if (type == "screening") {
            detail = text_of(o.value("reason", json(nullptr)));
        }
        const std::string celsius = type == "event" ? text_of(data.value("celsius", json(nullptr)))
                                                    : text_of(o.value("celsius", json(nullptr)));
        out += csv_cell(o.value("time", "")) + "," + type + "," + csv_cell(o.value("gate", "")) + "," +
               csv_cell(o.value("source", "")) + "," + csv_cell(text_of(o.value("person", json(nullptr)))) + "," +
               csv_cell(what) + "," + result + "," + celsius + "," + csv_cell(reasons) + "," + csv_cell(detail) + "\r\n";
    }
    return out;
}

void search(WebContext& web, const Caller& caller, const httplib::Request& req, httplib::Response& res, bool as_csv) {
    storage::RecordQuery q;
    std::string kind;
    if (const std::string error = read_query(req, web.config.time_zone(), q, kind, as_csv ? kMaxExportRows : kMaxPageRows); !error.empty()) {
        send_error(res, 400, "bad_filter", error);
        return;
    }
    if (as_csv && !req.has_param("limit")) q.limit = kMaxExportRows;
    // Looking at people's records is personal data processing: who looked for what is on record, and an export
    // that cannot be put on record is not made.
    if (!audit(web, audit_of(caller, as_csv ? "history_export" : "history_search", q.person.value_or(""), "ok", describe(q, kind))) &&
        as_csv) {
        send_error(res, 503, "audit_unavailable", "the export could not be recorded in the audit trail; try again later");
        return;
    }
    const History h = read_history(web, q, kind);
    if (as_csv) {
        res.set_header("Content-Disposition", "attachment; filename=\"gatehouse-history.csv\"");
        res.set_content(csv(h), "text/csv; charset=utf-8");
        return;
    }
    json rows = json::array();
    for (const auto& r : h.rows) rows.push_back(r.object);
    send_json(res, 200, {{"rows", std::move(rows)}, {"truncated", h.truncated}, {"limit", q.limit},
                         {"since", ipc::format_utc_timestamp(*q.since_ms)}});
}

}  // namespace

void add_history_routes(httplib::Server& server, WebContext& web) {
    server.Get("/api/history", guarded(web, {}, [&web](const Caller& c, const httplib::Request& req, httplib::Response& res) {
                   search(web, c, req, res, false);
               }));
    server.Get("/api/history.csv",
               guarded(web, {Role::guard, false, "history_export"},
                       [&web](const Caller& c, const httplib::Request& req, httplib::Response& res) { search(web, c, req, res, true); }));
}

}  // namespace gatehouse::daemon::web
