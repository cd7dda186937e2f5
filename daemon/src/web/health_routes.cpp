// Health (admin): the gateway's own status (cameras, terminals, outbox per lane and sink, retention, version), the
// disk under the ledger, the web console's figures, and the audit trail.
#include <sys/statvfs.h>

#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/version.hpp"
#include "web/web_context.hpp"

namespace gatehouse::daemon::web {
namespace {

using nlohmann::json;

json disk(const std::filesystem::path& ledger) {
    struct statvfs fs {};
    const auto dir = ledger.has_parent_path() ? ledger.parent_path() : std::filesystem::path(".");
    if (::statvfs(dir.c_str(), &fs) != 0) return nullptr;
    const double block = static_cast<double>(fs.f_frsize);
    return {{"path", dir.string()},
            {"total_bytes", block * static_cast<double>(fs.f_blocks)},
            {"free_bytes", block * static_cast<double>(fs.f_bavail)}};
}

void health(WebContext& web, httplib::Response& res) {
    const auto reply = web.gateway.request({{"v", 1}, {"cmd", "status"}}, std::chrono::seconds(3));
    json status = reply && reply->value("ok", false) ? (*reply)["status"] : json(nullptr);
    send_json(res, 200,
              {{"status", std::move(status)},
               {"disk", disk(web.config.ledger_path)},
               {"web",
                {{"version", kVersion},
                 {"live_clients", web.counters.live_clients.load()},
                 {"max_live_clients", web.config.web.max_live_clients},
                 {"live_refused", web.counters.live_refused.load()},
                 {"sessions", web.sessions.size()},
                 {"accounts", web.accounts.size()},
                 {"audit_failures", web.counters.audit_failures.load()},
                 {"tls", web.config.web.tls()}}}});
}

void audit_trail(WebContext& web, const httplib::Request& req, httplib::Response& res) {
    storage::RecordQuery q;
    if (const std::string error = read_filters(req, web.config.time_zone(), q, 100, 1000); !error.empty()) {
        send_error(res, 400, "bad_filter", error);
        return;
    }
    json rows = json::array();
    web.ledger.read([&](storage::Ledger& ledger) {
        for (const auto& a : ledger.recent_audit(q.limit)) {
            const auto& r = a.record;
            rows.push_back({{"id", a.id}, {"time", ipc::format_utc_timestamp(r.at_ms)}, {"time_ms", r.at_ms},
                            {"actor", r.actor}, {"role", r.role}, {"address", r.address}, {"action", r.action},
                            {"target", r.target}, {"outcome", r.outcome}, {"detail", r.detail}});
        }
    });
    send_json(res, 200, {{"audit", std::move(rows)}});
}

}  // namespace

void add_health_routes(httplib::Server& server, WebContext& web) {
    server.Get("/api/health", guarded(web, {Role::admin, false, "health_view"},
                                      [&web](const Caller&, const httplib::Request&, httplib::Response& res) { health(web, res); }));
    server.Get("/api/audit", guarded(web, {Role::admin, false, "audit_view"},
                                     [&web](const Caller&, const httplib::Request& req, httplib::Response& res) {
                                         audit_trail(web, req, res);
                                     }));
}

}  // namespace gatehouse::daemon::web
