// Logging in and out, and the session the page runs under.
#include <spdlog/spdlog.h>

#include "web/web_context.hpp"

namespace gatehouse::daemon::web {
namespace {

using nlohmann::json;

std::string cookie(const WebContext& web, const std::string& value, bool clear) {
    return web.session_cookie + "=" + value + "; Path=/; HttpOnly; SameSite=Strict" + (clear ? "; Max-Age=0" : "") +
           (web.config.web.tls() ? "; Secure" : "");
}

json session_json(const WebContext& web, const Session& s) {
    return {{"user", s.user},
            {"role", to_string(s.role)},
            {"csrf", s.csrf_token},
            {"idle_timeout_s", web.config.web.session_idle_timeout.count()},
            {"lifetime_s", web.config.web.session_lifetime.count()},
            {"gateway", web.config.gateway_id},
            {"site", web.config.site}};
}

void login(WebContext& web, const httplib::Request& req, httplib::Response& res) {
    const auto body = json_body(req, res);
    if (!body) return;
    std::string error;
    const auto user = string_member(*body, "user", error);
    const auto password = string_member(*body, "password", error);
    if (!error.empty() || !user || !password || user->empty() || user->size() > 64 || password->size() > 1024) {
        send_error(res, 400, "bad_request", error.empty() ? "send {\"user\": NAME, \"password\": PASSWORD}" : error);
        return;
    }
    if (!same_origin(req)) {
        send_error(res, 403, "cross_site", "log in from the console's own page");
        return;
    }
    storage::AuditRecord record{0, *user, "", req.remote_addr, "login", "", "", ""};
    const auto now = LoginThrottle::Clock::now();
    const auto wait = web.throttle.wait_time(*user, req.remote_addr, now);
    if (wait.count() > 0) {
        const auto seconds = (wait.count() + 999) / 1000;
        record.outcome = "throttled";
        record.detail = "too many failed logins; next attempt in " + std::to_string(seconds) + " s";
        audit(web, record);
        res.set_header("Retry-After", std::to_string(seconds));
        send_json(res, 429, {{"error", "throttled"}, {"message", record.detail}, {"retry_after_s", seconds}});
        return;
    }
    const auto account = web.accounts.find(*user);
    if (!web.passwords.check(account, *password)) {
        web.throttle.failed(*user, req.remote_addr, now);
        record.outcome = "refused";
        record.detail = account ? "wrong password" : "unknown account";
        audit(web, record);
        send_error(res, 401, "wrong_credentials", "wrong account name or password");
        return;
    }
    web.throttle.succeeded(*user);
    Session session{account->name, account->role, "", account->password_hash, req.remote_addr};
    const std::string token = web.sessions.create(session, SessionStore::Clock::now());
    const auto created = web.sessions.find(token, SessionStore::Clock::now());
    record.role = to_string(account->role);
    record.outcome = "ok";
    audit(web, record);
    res.set_header("Set-Cookie", cookie(web, token, false));
    send_json(res, 200, session_json(web, *created));
}

}  // namespace

PasswordChecker::PasswordChecker() : unknown_account_hash_(hash_password(random_token())) {}

bool PasswordChecker::check(const std::optional<UserAccount>& account, std::string_view password) {
    slots_.acquire();
    const bool ok = verify_password(account ? account->password_hash : unknown_account_hash_, password);
    slots_.release();
    return ok && account.has_value();
}

void add_session_routes(httplib::Server& server, WebContext& web) {
    server.Post("/api/login", [&web](const httplib::Request& req, httplib::Response& res) { login(web, req, res); });
    server.Post("/api/logout", guarded(web, {Role::viewer, true, "logout"},
                                       [&web](const Caller& caller, const httplib::Request&, httplib::Response& res) {
                                           web.sessions.end(caller.token);
                                           audit(web, audit_of(caller, "logout", "", "ok"));
                                           res.set_header("Set-Cookie", cookie(web, "", true));
                                           res.status = 204;
                                       }));
    server.Get("/api/session", guarded(web, {}, [&web](const Caller& caller, const httplib::Request&, httplib::Response& res) {
                   send_json(res, 200, session_json(web, caller.session));
               }));
}

}  // namespace gatehouse::daemon::web
