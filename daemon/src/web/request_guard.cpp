// Who may call a route: session, role and CSRF checks around every handler; JSON helpers; the audit trail.
#include <spdlog/spdlog.h>

#include "gatehouse/ipc/terminal_codec.hpp"
#include "web/web_context.hpp"

namespace gatehouse::daemon::web {
namespace {

using nlohmann::json;

std::string cookie_value(const httplib::Request& req, const std::string& name) {
    const std::string header = req.get_header_value("Cookie");
    std::size_t pos = 0;
    while (pos < header.size()) {
        const auto end = header.find(';', pos);
        std::string_view item(header.data() + pos, (end == std::string::npos ? header.size() : end) - pos);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        if (item.size() > name.size() && item.starts_with(name) && item[name.size()] == '=') {
            return std::string(item.substr(name.size() + 1));
        }
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    return "";
}

}  // namespace

bool same_origin(const httplib::Request& req) {
    const std::string site = req.get_header_value("Sec-Fetch-Site");
    if (!site.empty() && site != "same-origin") return false;
    const std::string origin = req.get_header_value("Origin");
    if (origin.empty()) return true;
    const auto scheme_end = origin.find("://");
    return scheme_end != std::string::npos && origin.substr(scheme_end + 3) == req.get_header_value("Host");
}

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json; charset=utf-8");
}

void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message) {
    send_json(res, status, {{"error", code}, {"message", message}});
}

std::optional<json> json_body(const httplib::Request& req, httplib::Response& res) {
    const std::string type = req.get_header_value("Content-Type");
    if (type.rfind("application/json", 0) != 0) {
        send_error(res, 415, "unsupported_media_type", "send the request body as application/json");
        return std::nullopt;
    }
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        send_error(res, 400, "bad_json", "the request body is not a JSON object");
        return std::nullopt;
    }
    return body;
}

std::optional<std::string> string_member(const json& object, const char* key, std::string& error) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) {
        error = std::string("\"") + key + "\" must be a string";
        return std::nullopt;
    }
    return it->get<std::string>();
}

storage::AuditRecord audit_of(const Caller& caller, std::string action, std::string target, std::string outcome,
                              std::string detail) {
    return {ipc::utc_now_ms(), caller.session.user, to_string(caller.session.role), caller.address, std::move(action),
            std::move(target), std::move(outcome), std::move(detail)};
}

bool audit(WebContext& web, storage::AuditRecord record) {
    if (record.at_ms == 0) record.at_ms = ipc::utc_now_ms();
    try {
        web.ledger.write([&](storage::Ledger& ledger) { ledger.append_audit(record); });
        return true;
    } catch (const std::exception& e) {
        ++web.counters.audit_failures;
        spdlog::error("web console: cannot record audit row ({} {} by {}): {}", record.action, record.outcome,
                      record.actor, e.what());
        return false;
    }
}

std::optional<Session> current_session(WebContext& web, const std::string& token) {
    auto session = web.sessions.find(token, SessionStore::Clock::now());
    if (!session) return std::nullopt;
    // The users file is the truth: a removed account or a changed password ends the session, a changed role
    // applies at once.
    const auto account = web.accounts.find(session->user);
    if (!account || account->password_hash != session->password_hash) {
        web.sessions.end_stale(session->user, account ? std::optional(account->password_hash) : std::nullopt);
        return std::nullopt;
    }
    if (account->role != session->role) {
        web.sessions.set_role(session->user, account->role);
        session->role = account->role;
    }
    return session;
}

httplib::Server::Handler guarded(WebContext& web, Access access, CallerHandler handler) {
    return [&web, access, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
        const std::string token = cookie_value(req, web.session_cookie);
        auto session = current_session(web, token);
        if (!session) {
            send_error(res, 401, "not_logged_in", "log in first (the session ended or was never started)");
            return;
        }
        const Caller caller{std::move(*session), token, req.remote_addr};
        if (!allows(caller.session.role, access.role)) {
            if (*access.action) audit(web, audit_of(caller, access.action, req.path, "forbidden", "needs role " + std::string(to_string(access.role))));
            send_error(res, 403, "forbidden",
                       std::string("this needs the ") + to_string(access.role) + " role; you are " + to_string(caller.session.role));
            return;
        }
        if (access.changes_state) {
            const std::string sent = req.get_header_value("X-CSRF-Token");
            if (!same_origin(req) || sent.empty() || !same_secret(sent, caller.session.csrf_token)) {
                audit(web, audit_of(caller, access.action, req.path, "refused", "missing or wrong CSRF token, or cross-site"));
                send_error(res, 403, "csrf", "the request lacks this session's CSRF token or comes from another site");
                return;
            }
        }
        handler(caller, req, res);
    };
}

}  // namespace gatehouse::daemon::web
