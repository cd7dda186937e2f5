// Alerts: the list with filters, one alert with its history, and the guard's actions (acknowledge, close with a
// note), which go to the gateway as the same control commands `gatehouse alerts ack|close` sends.
#include "cli/time_bound.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "web/console_body.hpp"
#include "web/web_context.hpp"

namespace gatehouse::daemon::web {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxNoteBytes = 4096;  // the control socket's limit for a note
constexpr std::size_t kDefaultAlerts = 200;
constexpr std::size_t kMaxAlerts = 2000;

std::optional<std::int64_t> alert_id(const httplib::Request& req) {
    try {
        return std::stoll(req.matches[1].str());
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace

/// Reads the filters every list page shares (gate, since, until, limit) into `q`; the error text, or empty.
std::string read_filters(const httplib::Request& req, const LocalTimeZone& zone, storage::RecordQuery& q,
                         std::size_t default_limit, std::size_t max_limit) {
    const auto now = ipc::utc_now_ms();
    for (const char* key : {"since", "until"}) {
        if (!req.has_param(key) || req.get_param_value(key).empty()) continue;
        const auto t = cli::parse_time_bound(req.get_param_value(key), now, zone);
        if (!t) return std::string(key) + ": '" + req.get_param_value(key) + "' is not a time (2026-11-22, 2026-11-22T08:00:00Z, 12h, 14d)";
        (std::string_view(key) == "since" ? q.since_ms : q.until_ms) = *t;
    }
    if (req.has_param("gate") && !req.get_param_value("gate").empty()) q.gate = req.get_param_value("gate");
    q.limit = default_limit;
    if (req.has_param("limit")) {
        try {
            std::size_t used = 0;
            const std::string text = req.get_param_value("limit");
            const long long n = std::stoll(text, &used);
            if (used != text.size() || n < 1 || static_cast<std::size_t>(n) > max_limit) throw std::out_of_range("limit");
            q.limit = static_cast<std::size_t>(n);
        } catch (const std::exception&) {
            return "limit: a number from 1 to " + std::to_string(max_limit);
        }
    }
    return "";
}

namespace {

void list_alerts(WebContext& web, const httplib::Request& req, httplib::Response& res) {
    storage::RecordQuery q;
    if (const std::string error = read_filters(req, web.config.time_zone(), q, kDefaultAlerts, kMaxAlerts); !error.empty()) {
        send_error(res, 400, "bad_filter", error);
        return;
    }
    const std::string state = req.has_param("state") ? req.get_param_value("state") : "open";
    if (state != "open" && state != "all") {
        send_error(res, 400, "bad_filter", "state: open or all");
        return;
    }
    q.unclosed_only = state == "open";
    if (req.has_param("kind") && !req.get_param_value("kind").empty()) q.kind = req.get_param_value("kind");
    json alerts = json::array();
    web.ledger.read([&](storage::Ledger& ledger) {
        for (const auto& a : ledger.find_alerts(q)) alerts.push_back(console_body(a));
    });
    send_json(res, 200, {{"alerts", std::move(alerts)}, {"limit", q.limit}});
}

void show_alert(WebContext& web, const httplib::Request& req, httplib::Response& res) {
    const auto id = alert_id(req);
    std::optional<json> out;
    if (id) {
        web.ledger.read([&](storage::Ledger& ledger) {
            const auto alert = ledger.alert(*id);
            if (!alert) return;
            out = console_body(*alert);
            json actions = json::array();
            for (const auto& a : ledger.alert_actions(*id)) actions.push_back(console_body(a, *alert));
            (*out)["actions"] = std::move(actions);
        });
    }
    if (!out) {
        send_error(res, 404, "no_alert", "no such alert in the ledger");
        return;
    }
    send_json(res, 200, *out);
}

// The control request for an action from the page's form: the note, and on a close the re-check's disposition and
// temperature when given (the gateway checks them against the alert's kind: a fever alert needs a disposition).
std::optional<json> action_request(const char* cmd, std::int64_t id, const Caller& caller, const json& body,
                                   bool note_required, std::string& error) {
    const auto note = string_member(body, "note", error);
    if (!error.empty()) return std::nullopt;
    if (note && note->size() > kMaxNoteBytes) {
        error = "the note is longer than 4096 bytes";
        return std::nullopt;
    }
    if (note_required && (!note || note->find_first_not_of(" \t\r\n") == std::string::npos)) {
        error = "closing an alert needs a note on how it was resolved";
        return std::nullopt;
    }
    json request{{"v", 1}, {"cmd", cmd}, {"id", id}, {"actor", caller.session.user}, {"note", note.value_or("")}};
    const auto disposition = string_member(body, "disposition", error);
    if (!error.empty()) return std::nullopt;
    if (disposition) request["disposition"] = *disposition;
    if (const auto recheck = body.find("recheck_celsius"); recheck != body.end() && !recheck->is_null()) {
        if (!recheck->is_number()) {
            error = "recheck_celsius must be a number (°C)";
            return std::nullopt;
        }
        request["recheck_celsius"] = recheck->get<double>();
    }
    return request;
}

void act(WebContext& web, const char* cmd, const char* action, bool note_required, const Caller& caller,
         const httplib::Request& req, httplib::Response& res) {
    const auto id = alert_id(req);
    const auto body = json_body(req, res);
    if (!body) return;
    std::string error;
    const auto request = id ? action_request(cmd, *id, caller, *body, note_required, error) : std::nullopt;
    const std::string target = "alert " + req.matches[1].str();
    if (!request) {
        send_error(res, 400, "bad_request", error.empty() ? "not an alert id" : error);
        return;
    }
    const auto reply = web.gateway.request(*request);
    if (!reply) {
        audit(web, audit_of(caller, action, target, "failed", "the gateway did not answer"));
        send_error(res, 503, "gateway_busy", "the gateway did not answer in time; nothing was recorded, try again");
        return;
    }
    if (!reply->value("ok", false)) {
        const std::string why = reply->value("error", std::string("refused"));
        audit(web, audit_of(caller, action, target, "refused", why));
        const bool unknown = why.rfind("no alert", 0) == 0;
        const bool unrecorded = why.rfind("could not record", 0) == 0;
        send_error(res, unknown ? 404 : unrecorded ? 503 : 409, unknown ? "no_alert" : unrecorded ? "not_recorded" : "conflict", why);
        return;
    }
    audit(web, audit_of(caller, action, target, "ok", (*request)["note"].get<std::string>()));
    send_json(res, 200, {{"id", reply->value("id", *id)}, {"state", reply->value("state", "")}});
}

}  // namespace

void add_alert_routes(httplib::Server& server, WebContext& web) {
    server.Get("/api/alerts", guarded(web, {}, [&web](const Caller&, const httplib::Request& req, httplib::Response& res) {
                   list_alerts(web, req, res);
               }));
    server.Get(R"(/api/alerts/(\d{1,18}))", guarded(web, {}, [&web](const Caller&, const httplib::Request& req, httplib::Response& res) {
                   show_alert(web, req, res);
               }));
    server.Post(R"(/api/alerts/(\d{1,18})/ack)",
                guarded(web, {Role::guard, true, "alert_ack"}, [&web](const Caller& c, const httplib::Request& req, httplib::Response& res) {
                    act(web, "alert_ack", "alert_ack", false, c, req, res);
                }));
    server.Post(R"(/api/alerts/(\d{1,18})/close)",
                guarded(web, {Role::guard, true, "alert_close"}, [&web](const Caller& c, const httplib::Request& req, httplib::Response& res) {
                    act(web, "alert_close", "alert_close", true, c, req, res);
                }));
}

}  // namespace gatehouse::daemon::web
