// Retention purge and erasure of one person (see record_purger.hpp).
#include "gatehouse/storage/record_purger.hpp"

#include <algorithm>
#include <set>

#include <sqlite3.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "gatehouse/storage/schema_migrations.hpp"
#include "ledger_connection.hpp"
#include "outbox_lane_store.hpp"

namespace gatehouse::storage {
namespace {

// "?, ?, ?" for an IN list of n values (n >= 1).
std::string placeholders(std::size_t n) {
    std::string text;
    for (std::size_t i = 0; i < n; ++i) text += i == 0 ? "?" : ", ?";
    return text;
}

template <typename T>
void bind_all(SQLite::Statement& q, const std::vector<T>& values, int first = 1) {
    for (std::size_t i = 0; i < values.size(); ++i) q.bind(first + static_cast<int>(i), values[i]);
}

std::vector<std::int64_t> select_ids(SQLite::Database& db, const std::string& sql, std::int64_t cutoff, std::int64_t limit) {
    SQLite::Statement q(db, sql);
    q.bind(1, cutoff);
    q.bind(2, limit);
    std::vector<std::int64_t> ids;
    while (q.executeStep()) ids.push_back(q.getColumn(0).getInt64());
    return ids;
}

std::int64_t exec_with_ids(SQLite::Database& db, const std::string& sql_before_in, const std::vector<std::int64_t>& ids) {
    if (ids.empty()) return 0;
    SQLite::Statement q(db, sql_before_in + " (" + placeholders(ids.size()) + ")");
    bind_all(q, ids);
    return q.exec();
}

// Deletes outbox rows selected by `where` (bound to `values`), keeping each lane's totals right.
template <typename T>
std::int64_t delete_outbox_rows(SQLite::Database& db, const std::string& where, const std::vector<T>& values) {
    std::int64_t removed = 0;
    {
        SQLite::Statement totals(db, "SELECT lane, COUNT(*), COALESCE(SUM(bytes), 0) FROM outbox WHERE " + where +
                                         " GROUP BY lane");
        bind_all(totals, values);
        SQLite::Statement update(db, "UPDATE outbox_lanes SET records = records - ?, bytes = bytes - ? WHERE lane = ?");
        while (totals.executeStep()) {
            update.reset();
            update.bind(1, totals.getColumn(1).getInt64());
            update.bind(2, totals.getColumn(2).getInt64());
            update.bind(3, totals.getColumn(0).getInt());
            update.exec();
            removed += totals.getColumn(1).getInt64();
        }
    }
    if (removed == 0) return 0;
    SQLite::Statement erase(db, "DELETE FROM outbox WHERE " + where);
    bind_all(erase, values);
    erase.exec();
    return removed;
}

}  // namespace

PurgeCounts& PurgeCounts::operator+=(const PurgeCounts& o) {
    events += o.events;
    screenings += o.screenings;
    decisions += o.decisions;
    alerts += o.alerts;
    alert_actions += o.alert_actions;
    snapshots += o.snapshots;
    outbox += o.outbox;
    dead_letters += o.dead_letters;
    snapshot_files.insert(snapshot_files.end(), o.snapshot_files.begin(), o.snapshot_files.end());
    more = more || o.more;
    return *this;
}

struct RecordPurger::Impl {
    std::filesystem::path path;
    SQLite::Database db;
    Impl(const std::filesystem::path& p, int busy_timeout_ms)
        : path(p), db(p.string(), SQLite::OPEN_READWRITE, busy_timeout_ms) {}

    void purge_events(const RetentionCutoffs& c, std::int64_t batch, PurgeCounts& out) {
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        const auto ids = select_ids(db, "SELECT id FROM events WHERE received_ms < ? ORDER BY received_ms LIMIT ?",
                                    c.events_ms, batch);
        out.events = exec_with_ids(db, "DELETE FROM events WHERE id IN", ids);
        tx.commit();
        out.more = out.more || static_cast<std::int64_t>(ids.size()) >= batch;
    }

    void purge_decisions(const RetentionCutoffs& c, std::int64_t batch, PurgeCounts& out) {
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        const auto ids = select_ids(db, "SELECT id FROM decisions WHERE decided_ms < ? ORDER BY decided_ms LIMIT ?",
                                    c.decisions_ms, batch);
        out.decisions = exec_with_ids(db, "DELETE FROM decisions WHERE id IN", ids);
        tx.commit();
        out.more = out.more || static_cast<std::int64_t>(ids.size()) >= batch;
    }

    // The evidence of a screening goes before the screening: its path is cleared wherever it is referenced
    // (the screening, the decision that used it, the camera's alert about it), and the file is handed back.
    std::vector<std::string> clear_snapshots(const std::vector<std::int64_t>& screening_ids) {
        std::vector<std::string> files;
        if (screening_ids.empty()) return files;
        {
            SQLite::Statement q(db, "SELECT snapshot FROM screenings WHERE snapshot IS NOT NULL AND id IN (" +
                                        placeholders(screening_ids.size()) + ")");
            bind_all(q, screening_ids);
            while (q.executeStep()) files.push_back(q.getColumn(0).getString());
        }
        exec_with_ids(db, "UPDATE screenings SET snapshot = NULL WHERE id IN", screening_ids);
        exec_with_ids(db, "UPDATE decisions SET snapshot = NULL WHERE screening IN", screening_ids);
        if (!files.empty()) {
            SQLite::Statement q(db, "UPDATE alerts SET snapshot = NULL WHERE snapshot IN (" + placeholders(files.size()) + ")");
            bind_all(q, files);
            q.exec();
        }
        return files;
    }

    void purge_snapshots(const RetentionCutoffs& c, std::int64_t batch, PurgeCounts& out) {
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        const auto ids = select_ids(db,
                                    "SELECT id FROM screenings WHERE snapshot IS NOT NULL AND screened_ms < ? "
                                    "ORDER BY screened_ms LIMIT ?",
                                    c.snapshots_ms, batch);
        auto files = clear_snapshots(ids);
        tx.commit();
        out.snapshots = static_cast<std::int64_t>(files.size());
        out.snapshot_files = std::move(files);
        out.more = out.more || static_cast<std::int64_t>(ids.size()) >= batch;
    }

    void purge_screenings(const RetentionCutoffs& c, std::int64_t batch, PurgeCounts& out) {
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        const auto ids = select_ids(db, "SELECT id FROM screenings WHERE screened_ms < ? ORDER BY screened_ms LIMIT ?",
                                    c.screenings_ms, batch);
        auto files = clear_snapshots(ids);
        // A decision kept longer than its screening keeps its own temperature, but no longer names the row.
        exec_with_ids(db, "UPDATE decisions SET screening = NULL WHERE screening IN", ids);
        out.screenings = exec_with_ids(db, "DELETE FROM screenings WHERE id IN", ids);
        tx.commit();
        out.snapshots += static_cast<std::int64_t>(files.size());
        out.snapshot_files.insert(out.snapshot_files.end(), files.begin(), files.end());
        out.more = out.more || static_cast<std::int64_t>(ids.size()) >= batch;
    }

    void purge_alerts(const RetentionCutoffs& c, std::int64_t batch, PurgeCounts& out) {
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        // Open and acknowledged alerts still need someone to act; they go once closed and old enough.
        const auto ids = select_ids(db,
                                    "SELECT id FROM alerts WHERE raised_ms < ? AND state = 'closed' "
                                    "ORDER BY raised_ms LIMIT ?",
                                    c.alerts_ms, batch);
        out.alert_actions = exec_with_ids(db, "DELETE FROM alert_actions WHERE alert IN", ids);
        out.alerts = exec_with_ids(db, "DELETE FROM alerts WHERE id IN", ids);
        tx.commit();
        out.more = out.more || static_cast<std::int64_t>(ids.size()) >= batch;
    }

    // Unsent upstream copies and dead letters follow the retention of what they carry: an upstream that has
    // been away for longer than that does not get the data any more.
    void purge_upstream(const RetentionCutoffs& c, std::int64_t batch, PurgeCounts& out) {
        const std::int64_t lane_cutoff[kOutboxLaneCount] = {c.alerts_ms, std::min(c.decisions_ms, c.screenings_ms),
                                                            c.events_ms};
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        for (const OutboxLane lane : {OutboxLane::alert, OutboxLane::record, OutboxLane::routine}) {
            const std::int64_t cutoff = lane_cutoff[outbox_store::lane_index(lane)];
            std::int64_t taken = 0;
            const auto removed = outbox_store::remove_oldest(db, lane, [&](std::int64_t created_ms, std::int64_t) {
                return created_ms < cutoff && taken++ < batch;
            });
            outbox_store::count_removed(db, lane, removed, /*dropped=*/false);
            out.outbox += removed.records;
            out.more = out.more || removed.records >= batch;
            SQLite::Statement dead(db,
                                   "DELETE FROM outbox_dead_letters WHERE id IN (SELECT id FROM outbox_dead_letters "
                                   "WHERE lane = ? AND created_ms < ? ORDER BY id LIMIT ?)");
            dead.bind(1, outbox_store::lane_index(lane));
            dead.bind(2, cutoff);
            dead.bind(3, batch);
            const int gone = dead.exec();
            out.dead_letters += gone;
            out.more = out.more || gone >= batch;
        }
        tx.commit();
    }
};

RecordPurger::RecordPurger(const std::filesystem::path& ledger, int busy_timeout_ms) {
    try {
        impl_ = std::make_unique<Impl>(ledger, busy_timeout_ms);
        require_current_schema(impl_->db, ledger);
        // Deletions are as durable as the records were: a purge or an erasure must not come back after a power cut.
        impl_->db.exec("PRAGMA synchronous = FULL");
    } catch (const SQLite::Exception& e) {
        throw translate(ledger, e, "open for purging");
    }
}

RecordPurger::~RecordPurger() = default;
RecordPurger::RecordPurger(RecordPurger&&) noexcept = default;
RecordPurger& RecordPurger::operator=(RecordPurger&&) noexcept = default;

PurgeCounts RecordPurger::purge_step(const RetentionCutoffs& cutoffs, std::int64_t batch) {
    PurgeCounts out;
    batch = std::max<std::int64_t>(batch, 1);
    try {
        // Snapshots first: their references live in screenings, decisions and alerts.
        impl_->purge_snapshots(cutoffs, batch, out);
        impl_->purge_decisions(cutoffs, batch, out);
        impl_->purge_screenings(cutoffs, batch, out);
        impl_->purge_alerts(cutoffs, batch, out);
        impl_->purge_events(cutoffs, batch, out);
        impl_->purge_upstream(cutoffs, batch, out);
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "purge expired records");
    }
    return out;
}

ErasureReport RecordPurger::erase_person(const ErasureRequest& r) {
    ErasureReport out;
    auto& db = impl_->db;
    try {
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        std::vector<std::int64_t> screenings;
        std::set<std::string> files;
        {
            SQLite::Statement q(db, "SELECT screening, snapshot FROM decisions WHERE person = ?");
            q.bind(1, r.person);
            while (q.executeStep()) {
                if (!q.getColumn(0).isNull()) screenings.push_back(q.getColumn(0).getInt64());
                if (!q.getColumn(1).isNull()) files.insert(q.getColumn(1).getString());
            }
        }
        if (!screenings.empty()) {
            SQLite::Statement q(db, "SELECT snapshot FROM screenings WHERE snapshot IS NOT NULL AND id IN (" +
                                        placeholders(screenings.size()) + ")");
            bind_all(q, screenings);
            while (q.executeStep()) files.insert(q.getColumn(0).getString());
        }
        {
            SQLite::Statement q(db, "SELECT snapshot FROM alerts WHERE person = ? AND snapshot IS NOT NULL");
            q.bind(1, r.person);
            while (q.executeStep()) files.insert(q.getColumn(0).getString());
        }
        // Alerts naming the person, and the camera's alerts (fever) that show one of their screenings.
        std::vector<std::int64_t> alerts;
        {
            const std::vector<std::string> file_list(files.begin(), files.end());
            std::string sql = "SELECT id FROM alerts WHERE person = ?";
            if (!file_list.empty()) sql += " OR snapshot IN (" + placeholders(file_list.size()) + ")";
            SQLite::Statement q(db, sql);
            q.bind(1, r.person);
            bind_all(q, file_list, 2);
            while (q.executeStep()) alerts.push_back(q.getColumn(0).getInt64());
        }
        out.alert_ids = alerts;
        out.alert_actions = exec_with_ids(db, "DELETE FROM alert_actions WHERE alert IN", alerts);
        out.alerts = exec_with_ids(db, "DELETE FROM alerts WHERE id IN", alerts);
        {
            SQLite::Statement q(db, "DELETE FROM decisions WHERE person = ?");
            q.bind(1, r.person);
            out.decisions = q.exec();
        }
        // Another person's decision cannot have used the same screening (fusion pairs one with one), but if a
        // ledger says otherwise, that decision keeps its row without the reference.
        exec_with_ids(db, "UPDATE decisions SET screening = NULL, snapshot = NULL WHERE screening IN", screenings);
        out.screenings = exec_with_ids(db, "DELETE FROM screenings WHERE id IN", screenings);
        {
            SQLite::Statement q(db, "DELETE FROM events WHERE person = ?");
            q.bind(1, r.person);
            out.events = q.exec();
        }
        out.outbox = delete_outbox_rows(db, "person = ?", std::vector<std::string>{r.person});
        if (!screenings.empty()) {
            out.outbox += delete_outbox_rows(db, "screening IN (" + placeholders(screenings.size()) + ")", screenings);
        }
        {
            // Dead letters are rare and small: found by reading their bodies (as sent: possibly the pseudonym).
            std::vector<std::string> names{r.person};
            names.insert(names.end(), r.upstream_ids.begin(), r.upstream_ids.end());
            std::string sql = "DELETE FROM outbox_dead_letters WHERE json_valid(body) AND (json_extract(body, '$.person') IN (" +
                              placeholders(names.size()) + ")";
            if (!screenings.empty()) {
                sql += " OR (kind = 'screening' AND json_extract(body, '$.id') IN (" + placeholders(screenings.size()) + "))";
            }
            sql += ")";
            SQLite::Statement q(db, sql);
            bind_all(q, names);
            bind_all(q, screenings, static_cast<int>(names.size()) + 1);
            out.dead_letters = q.exec();
        }
        if (r.lists) {
            SQLite::Statement q(db, "DELETE FROM person_lists WHERE person = ?");
            q.bind(1, r.person);
            out.list_entries = q.exec();
        }
        // Snapshot names repeat across restarts (frame and track numbers): a file someone else's remaining
        // record names is not this person's any more, and stays.
        SQLite::Statement still_named(db,
                                      "SELECT 1 FROM screenings WHERE snapshot = ?1 UNION ALL SELECT 1 FROM decisions "
                                      "WHERE snapshot = ?1 UNION ALL SELECT 1 FROM alerts WHERE snapshot = ?1 LIMIT 1");
        for (const auto& file : files) {
            still_named.reset();
            still_named.bind(1, file);
            if (!still_named.executeStep()) out.snapshot_files.push_back(file);
        }
        if (!r.dry_run) tx.commit();  // a dry run rolls back when tx goes out of scope
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "erase person");
    }
    return out;
}

}  // namespace gatehouse::storage
