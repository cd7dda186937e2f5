// Ledger: reading alerts, their actions, and screenings back (the CLI and the gateway's restart).
#include "gatehouse/storage/ledger.hpp"

#include "ledger_connection.hpp"
#include "ledger_rows.hpp"

namespace gatehouse::storage {

const char* to_string(AlertState state) {
    switch (state) {
        case AlertState::open: return "open";
        case AlertState::acknowledged: return "acknowledged";
        case AlertState::closed: return "closed";
    }
    return "open";
}

std::optional<AlertState> parse_alert_state(const std::string& text) {
    for (AlertState s : {AlertState::open, AlertState::acknowledged, AlertState::closed}) {
        if (text == to_string(s)) return s;
    }
    return std::nullopt;
}

const char* to_string(RecheckDisposition disposition) {
    switch (disposition) {
        case RecheckDisposition::recheck_normal: return "recheck_normal";
        case RecheckDisposition::sent_to_clinic: return "sent_to_clinic";
        case RecheckDisposition::sent_home: return "sent_home";
        case RecheckDisposition::other: return "other";
    }
    return "other";
}

std::optional<RecheckDisposition> parse_recheck_disposition(const std::string& text) {
    for (RecheckDisposition d : {RecheckDisposition::recheck_normal, RecheckDisposition::sent_to_clinic,
                                 RecheckDisposition::sent_home, RecheckDisposition::other}) {
        if (text == to_string(d)) return d;
    }
    return std::nullopt;
}

namespace {

std::string select_alerts() { return std::string("SELECT ") + rows::kAlertColumns + " FROM alerts"; }

}  // namespace

std::vector<AlertRecord> Ledger::alerts(std::int64_t since_ms, bool open_only) {
    std::vector<AlertRecord> out;
    try {
        SQLite::Statement q(impl_->db, select_alerts() + " WHERE raised_ms >= ?" +
                                           (open_only ? " AND state <> 'closed'" : "") + " ORDER BY id");
        q.bind(1, since_ms);
        while (q.executeStep()) out.push_back(rows::read_alert(q));
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read alerts");
    }
    return out;
}

std::optional<AlertRecord> Ledger::alert(std::int64_t id) {
    try {
        SQLite::Statement q(impl_->db, select_alerts() + " WHERE id = ?");
        q.bind(1, id);
        if (q.executeStep()) return rows::read_alert(q);
        return std::nullopt;
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read alert");
    }
}

std::vector<AlertAction> Ledger::alert_actions(std::int64_t alert) {
    std::vector<AlertAction> out;
    try {
        SQLite::Statement q(impl_->db,
                            "SELECT action, actor, note, at_ms, disposition, recheck_celsius FROM alert_actions "
                            "WHERE alert = ? ORDER BY at_ms, id");
        q.bind(1, alert);
        while (q.executeStep()) {
            AlertAction action{alert, parse_alert_state(q.getColumn(0).getString()).value_or(AlertState::closed),
                               q.getColumn(1).getString(), q.getColumn(2).getString(), q.getColumn(3).getInt64()};
            if (!q.getColumn(4).isNull()) action.disposition = parse_recheck_disposition(q.getColumn(4).getString());
            if (!q.getColumn(5).isNull()) action.recheck_celsius = q.getColumn(5).getDouble();
            out.push_back(std::move(action));
        }
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read alert actions");
    }
    return out;
}

std::vector<ScreeningRecord> Ledger::screenings(const std::string& gate, std::int64_t since_ms) {
    std::vector<ScreeningRecord> out;
    try {
        SQLite::Statement q(impl_->db, std::string("SELECT ") + rows::kScreeningColumns +
                                           " FROM screenings WHERE screened_ms >= ?" + (gate.empty() ? "" : " AND gate = ?") +
                                           " ORDER BY id");
        q.bind(1, since_ms);
        if (!gate.empty()) q.bind(2, gate);
        while (q.executeStep()) out.push_back(rows::read_screening(q));
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read screenings");
    }
    return out;
}

namespace {

std::int64_t max_id(SQLite::Database& db, const char* sql) { return db.execAndGet(sql).getInt64(); }

}  // namespace

std::int64_t Ledger::max_alert_id() {
    try {
        return max_id(impl_->db, "SELECT COALESCE(MAX(id), 0) FROM alerts");
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read alert ids");
    }
}

std::int64_t Ledger::max_screening_id() {
    try {
        return max_id(impl_->db, "SELECT COALESCE(MAX(id), 0) FROM screenings");
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read screening ids");
    }
}

}  // namespace gatehouse::storage
