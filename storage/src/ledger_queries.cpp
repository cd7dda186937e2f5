// Ledger: decisions, screenings and alerts by filter or after an id cursor, and the audit trail (the web
// console's reads and writes).
#include <algorithm>

#include "gatehouse/storage/ledger.hpp"
#include "ledger_connection.hpp"
#include "ledger_rows.hpp"

namespace gatehouse::storage {
namespace {

// Every result is bounded: a query names its page size, and no page is larger than this.
constexpr std::size_t kMaxRows = 10000;

/// The table-specific parts of a RecordQuery's SQL.
struct TableShape {
    const char* table;
    const char* time_column;
    bool has_person;
    bool has_kind;
};

/// "SELECT columns FROM table WHERE … ORDER BY … LIMIT n", with named parameters bound by bind_query().
std::string select_sql(const RecordQuery& q, const TableShape& t, const std::string& columns) {
    std::string where;
    auto add = [&where](const std::string& condition) {
        where += (where.empty() ? " WHERE " : " AND ") + condition;
    };
    if (q.gate) add("gate = :gate");
    if (q.person && t.has_person) add("person = :person");
    if (q.kind && t.has_kind) add("kind = :kind");
    if (q.since_ms) add(std::string(t.time_column) + " >= :since");
    if (q.until_ms) add(std::string(t.time_column) + " <= :until");
    if (q.after_id) add("id > :after");
    if (q.unclosed_only && t.has_kind) add("state <> 'closed'");
    std::string order;
    if (q.after_id) {
        order = " ORDER BY id";
    } else {
        const char* direction = q.newest_first ? " DESC" : "";
        order = std::string(" ORDER BY ") + t.time_column + direction + ", id" + direction;
    }
    return "SELECT " + columns + " FROM " + t.table + where + order + " LIMIT " +
           std::to_string(std::min(q.limit, kMaxRows));
}

void bind_query(SQLite::Statement& s, const RecordQuery& q, const TableShape& t) {
    if (q.gate) s.bind(":gate", *q.gate);
    if (q.person && t.has_person) s.bind(":person", *q.person);
    if (q.kind && t.has_kind) s.bind(":kind", *q.kind);
    if (q.since_ms) s.bind(":since", *q.since_ms);
    if (q.until_ms) s.bind(":until", *q.until_ms);
    if (q.after_id) s.bind(":after", *q.after_id);
}

constexpr TableShape kDecisions{"decisions", "decided_ms", true, false};
constexpr TableShape kScreenings{"screenings", "screened_ms", false, false};
constexpr TableShape kAlerts{"alerts", "raised_ms", true, true};

}  // namespace

std::vector<StoredDecision> Ledger::find_decisions(const RecordQuery& query) {
    std::vector<StoredDecision> out;
    try {
        SQLite::Statement q(impl_->db, select_sql(query, kDecisions, std::string("id, ") + rows::kDecisionColumns));
        bind_query(q, query, kDecisions);
        while (q.executeStep()) out.push_back({q.getColumn(0).getInt64(), rows::read_decision(q, 1)});
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read decisions");
    }
    return out;
}

std::vector<ScreeningRecord> Ledger::find_screenings(const RecordQuery& query) {
    std::vector<ScreeningRecord> out;
    try {
        SQLite::Statement q(impl_->db, select_sql(query, kScreenings, rows::kScreeningColumns));
        bind_query(q, query, kScreenings);
        while (q.executeStep()) out.push_back(rows::read_screening(q));
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read screenings");
    }
    return out;
}

std::vector<AlertRecord> Ledger::find_alerts(const RecordQuery& query) {
    std::vector<AlertRecord> out;
    try {
        SQLite::Statement q(impl_->db, select_sql(query, kAlerts, rows::kAlertColumns));
        bind_query(q, query, kAlerts);
        while (q.executeStep()) out.push_back(rows::read_alert(q));
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read alerts");
    }
    return out;
}

std::vector<StoredAlertAction> Ledger::alert_actions_after(std::int64_t after_id, std::size_t limit) {
    std::vector<StoredAlertAction> out;
    try {
        SQLite::Statement q(impl_->db,
                            "SELECT id, alert, action, actor, note, at_ms FROM alert_actions WHERE id > ? ORDER BY id LIMIT ?");
        q.bind(1, after_id);
        q.bind(2, static_cast<std::int64_t>(std::min(limit, kMaxRows)));
        while (q.executeStep()) {
            out.push_back({q.getColumn(0).getInt64(),
                           {q.getColumn(1).getInt64(),
                            parse_alert_state(q.getColumn(2).getString()).value_or(AlertState::closed),
                            q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getInt64()}});
        }
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read alert actions");
    }
    return out;
}

RecordIds Ledger::max_record_ids() {
    try {
        SQLite::Statement q(impl_->db,
                            "SELECT (SELECT COALESCE(MAX(id), 0) FROM alerts), (SELECT COALESCE(MAX(id), 0) FROM alert_actions), "
                            "(SELECT COALESCE(MAX(id), 0) FROM decisions), (SELECT COALESCE(MAX(id), 0) FROM screenings)");
        q.executeStep();
        return {q.getColumn(0).getInt64(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64(),
                q.getColumn(3).getInt64()};
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read record ids");
    }
}

void Ledger::append_audit(const AuditRecord& r) {
    try {
        SQLite::Statement q(impl_->db,
                            "INSERT INTO audit (at_ms, actor, role, address, action, target, outcome, detail) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        q.bind(1, r.at_ms);
        q.bind(2, r.actor);
        q.bind(3, r.role);
        q.bind(4, r.address);
        q.bind(5, r.action);
        q.bind(6, r.target);
        q.bind(7, r.outcome);
        q.bind(8, r.detail);
        q.exec();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "record audit");
    }
}

std::vector<StoredAudit> Ledger::recent_audit(std::size_t limit) {
    std::vector<StoredAudit> out;
    try {
        SQLite::Statement q(impl_->db,
                            "SELECT id, at_ms, actor, role, address, action, target, outcome, detail FROM audit "
                            "ORDER BY id DESC LIMIT ?");
        q.bind(1, static_cast<std::int64_t>(std::min(limit, kMaxRows)));
        while (q.executeStep()) {
            out.push_back({q.getColumn(0).getInt64(),
                           {q.getColumn(1).getInt64(), q.getColumn(2).getString(), q.getColumn(3).getString(),
                            q.getColumn(4).getString(), q.getColumn(5).getString(), q.getColumn(6).getString(),
                            q.getColumn(7).getString(), q.getColumn(8).getString()}});
        }
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read audit");
    }
    return out;
}

}  // namespace gatehouse::storage
