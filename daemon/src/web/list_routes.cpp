// The person lists (admin): view, export as CSV, import a CSV (all rows or none, errors by line, as
// `gatehouse lists import`).
#include "gatehouse/daemon/person_list_csv.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "web/web_context.hpp"

namespace gatehouse::daemon::web {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxErrorsShown = 200;

// "" (both lists), allow or deny; false for anything else.
bool read_list(const httplib::Request& req, std::optional<storage::PersonListKind>& list) {
    const std::string text = req.has_param("list") ? req.get_param_value("list") : "";
    if (text.empty()) return true;
    list = storage::parse_person_list_kind(text);
    return list.has_value();
}

json entry_json(const storage::PersonListEntry& e) {
    auto when = [](const std::optional<std::int64_t>& ms) { return ms ? json(ipc::format_utc_timestamp(*ms)) : json(nullptr); };
    return {{"list", storage::to_string(e.list)},
            {"person", e.person},
            {"name", e.name},
            {"valid_from", when(e.valid_from_ms)},
            {"valid_until", when(e.valid_until_ms)},
            {"note", e.note}};
}

void show(WebContext& web, const httplib::Request& req, httplib::Response& res, bool as_csv, const Caller& caller) {
    std::optional<storage::PersonListKind> list;
    if (!read_list(req, list)) {
        send_error(res, 400, "bad_filter", "list: allow or deny");
        return;
    }
    if (as_csv && !audit(web, audit_of(caller, "lists_export", list ? storage::to_string(*list) : "both", "ok"))) {
        send_error(res, 503, "audit_unavailable", "the export could not be recorded in the audit trail; try again later");
        return;
    }
    const auto entries = web.ledger.read([&](storage::Ledger& ledger) { return ledger.person_list(list); });
    if (as_csv) {
        res.set_header("Content-Disposition", "attachment; filename=\"gatehouse-lists.csv\"");
        // The import format (`gatehouse lists import` reads it back), with a byte-order mark for Excel.
        res.set_content("\xEF\xBB\xBF" + format_person_list_csv(entries), "text/csv; charset=utf-8");
        return;
    }
    json out = json::array();
    for (const auto& e : entries) out.push_back(entry_json(e));
    send_json(res, 200, {{"entries", std::move(out)}});
}

void import_csv(WebContext& web, const Caller& caller, const httplib::Request& req, httplib::Response& res) {
    const std::string type = req.get_header_value("Content-Type");
    if (type.rfind("text/csv", 0) != 0 && type.rfind("text/plain", 0) != 0) {
        send_error(res, 415, "unsupported_media_type", "send the CSV file as text/csv");
        return;
    }
    const std::string replace_param = req.has_param("replace") ? req.get_param_value("replace") : "false";
    if (replace_param != "true" && replace_param != "false") {
        send_error(res, 400, "bad_request", "replace: true or false");
        return;
    }
    const bool replace = replace_param == "true";
    const PersonListCsv parsed = parse_person_list_csv(req.body, web.config.time_zone());
    if (!parsed.errors.empty()) {
        json errors = json::array();
        for (std::size_t i = 0; i < parsed.errors.size() && i < kMaxErrorsShown; ++i) {
            errors.push_back({{"line", parsed.errors[i].line}, {"message", parsed.errors[i].message}});
        }
        audit(web, audit_of(caller, "lists_import", "", "refused", std::to_string(parsed.errors.size()) + " bad rows"));
        send_json(res, 422, {{"error", "bad_rows"},
                             {"message", std::to_string(parsed.errors.size()) + " bad row(s); nothing was imported"},
                             {"errors", std::move(errors)},
                             {"total_errors", parsed.errors.size()}});
        return;
    }
    std::size_t allow = 0;
    for (const auto& e : parsed.entries) allow += e.list == storage::PersonListKind::allow ? 1 : 0;
    const std::string detail = std::to_string(allow) + " allow, " + std::to_string(parsed.entries.size() - allow) +
                               " deny" + (replace ? ", replacing the lists they name" : "");
    try {
        web.ledger.write([&](storage::Ledger& ledger) { ledger.import_person_list(parsed.entries, replace); });
    } catch (const std::exception& e) {
        audit(web, audit_of(caller, "lists_import", "", "failed", e.what()));
        send_error(res, 503, "not_imported", std::string("the ledger refused the import; nothing was imported: ") + e.what());
        return;
    }
    audit(web, audit_of(caller, "lists_import", "", "ok", detail));
    send_json(res, 200, {{"allow", allow}, {"deny", parsed.entries.size() - allow}, {"replaced", replace}});
}

}  // namespace

void add_list_routes(httplib::Server& server, WebContext& web) {
    server.Get("/api/lists", guarded(web, {Role::admin, false, "lists_view"},
                                     [&web](const Caller& c, const httplib::Request& req, httplib::Response& res) {
                                         show(web, req, res, false, c);
                                     }));
    server.Get("/api/lists.csv", guarded(web, {Role::admin, false, "lists_export"},
                                         [&web](const Caller& c, const httplib::Request& req, httplib::Response& res) {
                                             show(web, req, res, true, c);
                                         }));
    server.Post("/api/lists/import", guarded(web, {Role::admin, true, "lists_import"},
                                             [&web](const Caller& c, const httplib::Request& req, httplib::Response& res) {
                                                 import_csv(web, c, req, res);
                                             }));
}

}  // namespace gatehouse::daemon::web
