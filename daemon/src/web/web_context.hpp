#pragma once
// What the web console's request handlers share: its configuration and the parts of the running console. Each
// part states its own thread-safety; handlers run on the HTTP server's worker threads.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/daemon/web/login_throttle.hpp"
#include "gatehouse/daemon/web/session_store.hpp"
#include "gatehouse/storage/audit_record.hpp"
#include "web/account_directory.hpp"
#include "web/gateway_client.hpp"
#include "web/live_feed.hpp"
#include "web/web_ledger.hpp"

namespace gatehouse::daemon::web {

/// Counters of the web console, shown on the health page.
struct WebCounters {
    std::atomic<int> live_clients{0};
    std::atomic<std::uint64_t> live_refused{0};     ///< Streams refused because max_live_clients were open.
    std::atomic<std::uint64_t> audit_failures{0};   ///< Audit rows the ledger could not take (logged).
};

/// Verifies passwords at most two at a time (each argon2id check takes 64 MiB and about a tenth of a second of a
/// core), and checks a login for an unknown account against a hash of its own so that the answer takes as long as
/// for a real account (the response does not tell which accounts exist).
/// Thread-safety: check() may be called from any thread.
class PasswordChecker {
public:
    PasswordChecker();
    bool check(const std::optional<UserAccount>& account, std::string_view password);

private:
    std::string unknown_account_hash_;
    std::counting_semaphore<2> slots_{2};
};

struct WebContext {
    GatewayConfig config;
    WebLedger& ledger;
    GatewayClient& gateway;
    SessionStore& sessions;
    LoginThrottle& throttle;
    AccountDirectory& accounts;
    PasswordChecker& passwords;
    LiveFeed& feed;
    WebCounters& counters;
    std::atomic<bool>& stopping;
    std::string session_cookie;  ///< "__Host-gatehouse" under TLS, else "gatehouse_session".
};

/// The logged-in caller of a request.
struct Caller {
    Session session;
    std::string token;
    std::string address;
};

/// What a route needs of its caller.
struct Access {
    Role role = Role::viewer;
    bool changes_state = false;  ///< Needs the CSRF token (X-CSRF-Token) and a same-origin request.
    const char* action = "";     ///< Audited name of the action when it is refused (forbidden, CSRF).
};

using CallerHandler = std::function<void(const Caller&, const httplib::Request&, httplib::Response&)>;

/// The live session behind `token`, checked against the users file (counts as activity).
std::optional<Session> current_session(WebContext& web, const std::string& token);

/// Wraps a handler: the session cookie must name a live session whose account still exists with the same password
/// (401), the account's role must allow the route (403, audited for actions), and a state change must carry the
/// session's CSRF token and, when the browser says where it came from, this origin (403, audited).
httplib::Server::Handler guarded(WebContext& web, Access access, CallerHandler handler);

/// Whether a request says it comes from a page of this console, or says nothing (Origin and Sec-Fetch-Site are set
/// by browsers): a state change that says it comes from elsewhere is refused even with a valid token.
bool same_origin(const httplib::Request& req);

void send_json(httplib::Response& res, int status, const nlohmann::json& body);
/// {"error": code, "message": message}
void send_error(httplib::Response& res, int status, const std::string& code, const std::string& message);
/// Parses a JSON object body; answers 415 (not JSON) or 400 (malformed) itself and returns nullopt.
std::optional<nlohmann::json> json_body(const httplib::Request& req, httplib::Response& res);
/// A string member of a JSON object: unset when absent; `error` set when present with another type.
std::optional<std::string> string_member(const nlohmann::json& object, const char* key, std::string& error);

/// Reads the filters the list pages share (gate, since, until, limit) into `q`; the error text, or empty. A date
/// in since/until is a local day of `zone` (gateway.timezone), as on the command line.
std::string read_filters(const httplib::Request& req, const LocalTimeZone& zone, storage::RecordQuery& q,
                         std::size_t default_limit, std::size_t max_limit);

/// Writes one audit row; failures are counted and logged, never thrown. False when it could not be written.
bool audit(WebContext& web, storage::AuditRecord record);
/// The audit row of an action by a logged-in caller.
storage::AuditRecord audit_of(const Caller& caller, std::string action, std::string target, std::string outcome,
                              std::string detail = "");

/// Registration of each area's routes (one file each).
void add_session_routes(httplib::Server& server, WebContext& web);
void add_board_routes(httplib::Server& server, WebContext& web);
void add_alert_routes(httplib::Server& server, WebContext& web);
void add_history_routes(httplib::Server& server, WebContext& web);
void add_list_routes(httplib::Server& server, WebContext& web);
void add_health_routes(httplib::Server& server, WebContext& web);
void add_static_routes(httplib::Server& server);

}  // namespace gatehouse::daemon::web
