#include "gatehouse/storage/ledger.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>

#include <sqlite3.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "gatehouse/storage/schema_migrations.hpp"
#include "ledger_connection.hpp"
#include "report_rows.hpp"
#include "ledger_rows.hpp"

namespace gatehouse::storage {
namespace {

constexpr const char* kInsertEvent =
    "INSERT INTO events (terminal, seq, gate, kind, person, occurred_ms, received_ms, offline, data) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (terminal, seq) DO NOTHING";

// SQLite creates a new database with 0644 (less the umask), and its -wal and -shm files take the database's mode:
// an empty file made 0600 first keeps health data private from the first byte, whatever the umask.
void create_private_file(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
        return;
    }
    if (errno == EEXIST) return;  // created meanwhile by another process: SQLite opens it
    throw LedgerError(errno == ENOSPC ? LedgerFault::disk_full : LedgerFault::io,
                      "ledger " + path.string() + ": cannot create it: " + std::strerror(errno));
}

}  // namespace

int Ledger::schema_version() { return latest_schema_version(); }

Ledger::Ledger(const LedgerOptions& options) {
    if (options.read_only && !std::filesystem::exists(options.path)) {
        throw LedgerError(LedgerFault::missing,
                          "ledger " + options.path.string() +
                              ": no such file (has the daemon run with this ledger.path?)");
    }
    const int flags = options.read_only ? SQLite::OPEN_READONLY : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    if (!options.read_only && !std::filesystem::exists(options.path)) create_private_file(options.path);
    try {
        impl_ = std::make_unique<Impl>(options, flags);
        auto& db = impl_->db;
        // The first statement is what reveals a file that is not a database at all.
        const int version = db.execAndGet("PRAGMA user_version").getInt();
        if (version > latest_schema_version()) {
            throw LedgerError(LedgerFault::newer_schema,
                              "ledger " + options.path.string() + ": schema version " + std::to_string(version) +
                                  " is newer than this gatehouse understands (" +
                                  std::to_string(latest_schema_version()) + "); upgrade gatehouse");
        }
        if (options.read_only) {
            if (version < latest_schema_version()) {
                throw LedgerError(LedgerFault::io, "ledger " + options.path.string() + ": schema version " +
                                                       std::to_string(version) +
                                                       " predates this gatehouse; start the daemon once to upgrade it");
            }
            return;
        }
        // FULL in WAL mode fsyncs the WAL at every commit: an ack survives a power cut, not only a crash.
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("PRAGMA synchronous = FULL");
        migrate_schema(db, latest_schema_version());
        if (options.max_pages) db.exec("PRAGMA max_page_count = " + std::to_string(*options.max_pages));
        impl_->insert_event = std::make_unique<SQLite::Statement>(db, kInsertEvent);
        impl_->outbox = std::make_unique<OutboxWriter>(db, impl_->gateway_id, impl_->outbox_limits);
    } catch (const SQLite::Exception& e) {
        throw translate(options.path, e, "open");
    }
}

Ledger::~Ledger() = default;
Ledger::Ledger(Ledger&&) noexcept = default;
Ledger& Ledger::operator=(Ledger&&) noexcept = default;

const std::filesystem::path& Ledger::path() const { return impl_->path; }

std::vector<AppendOutcome> Ledger::append_events(std::span<const EventRecord> events) {
    LedgerBatch batch;
    batch.events.assign(events.begin(), events.end());
    return append(batch);
}

namespace {

template <typename T>
void bind_optional(SQLite::Statement& q, int index, const std::optional<T>& value) {
    if (value) {
        q.bind(index, *value);
    } else {
        q.bind(index);
    }
}

void insert_screenings(SQLite::Database& db, const std::vector<ScreeningRecord>& screenings) {
    if (screenings.empty()) return;
    SQLite::Statement q(db,
                        "INSERT INTO screenings (id, camera, gate, screened_ms, celsius, verdict, reason, threshold, "
                        "snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const ScreeningRecord& s : screenings) {
        q.reset();
        q.bind(1, s.id);
        q.bind(2, s.camera);
        q.bind(3, s.gate);
        q.bind(4, s.screened_ms);
        bind_optional(q, 5, s.celsius);
        q.bind(6, s.verdict);
        bind_optional(q, 7, s.reason);
        q.bind(8, s.threshold_celsius);
        bind_optional(q, 9, s.snapshot);
        q.exec();
    }
}

void insert_decisions(SQLite::Database& db, const std::vector<DecisionRecord>& decisions) {
    if (decisions.empty()) return;
    SQLite::Statement q(db,
                        "INSERT INTO decisions (request, terminal, gate, person, method, result, reasons, celsius, "
                        "health_code, alert, decided_ms, screening, snapshot) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const DecisionRecord& d : decisions) {
        q.reset();
        q.bind(1, d.request);
        q.bind(2, d.terminal);
        q.bind(3, d.gate);
        q.bind(4, d.person);
        q.bind(5, d.method);
        q.bind(6, d.grant ? "grant" : "deny");
        q.bind(7, d.reasons_json);
        bind_optional(q, 8, d.celsius);
        bind_optional(q, 9, d.health_code);
        q.bind(10, d.alert ? 1 : 0);
        q.bind(11, d.decided_ms);
        bind_optional(q, 12, d.screening);
        bind_optional(q, 13, d.snapshot);
        q.exec();
    }
}

void insert_alerts(SQLite::Database& db, const std::vector<AlertRecord>& alerts) {
    if (alerts.empty()) return;
    SQLite::Statement q(db,
                        "INSERT INTO alerts (id, kind, severity, gate, source, raised_ms, person, celsius, snapshot, "
                        "text, state, screening, request) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const AlertRecord& a : alerts) {
        q.reset();
        q.bind(1, a.id);
        q.bind(2, a.kind);
        q.bind(3, a.severity);
        q.bind(4, a.gate);
        q.bind(5, a.source);
        q.bind(6, a.raised_ms);
        bind_optional(q, 7, a.person);
        bind_optional(q, 8, a.celsius);
        bind_optional(q, 9, a.snapshot);
        q.bind(10, a.text);
        q.bind(11, to_string(a.state));
        bind_optional(q, 12, a.screening);
        bind_optional(q, 13, a.request);
        q.exec();
    }
}

void insert_alert_actions(SQLite::Database& db, const std::vector<AlertAction>& actions) {
    if (actions.empty()) return;
    SQLite::Statement record(db,
                             "INSERT INTO alert_actions (alert, action, actor, note, at_ms, disposition, recheck_celsius) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)");
    SQLite::Statement update(db, "UPDATE alerts SET state = ? WHERE id = ?");
    for (const AlertAction& a : actions) {
        record.reset();
        record.bind(1, a.alert);
        record.bind(2, to_string(a.to));
        record.bind(3, a.actor);
        record.bind(4, a.note);
        record.bind(5, a.at_ms);
        if (a.disposition) record.bind(6, to_string(*a.disposition)); else record.bind(6);
        bind_optional(record, 7, a.recheck_celsius);
        record.exec();
        update.reset();
        update.bind(1, to_string(a.to));
        update.bind(2, a.alert);
        update.exec();
    }
}

// Reports on the upstream channel are unique per day (reports_upstream_once): a second one is skipped.
std::vector<bool> insert_reports(SQLite::Database& db, const std::vector<ReportRecord>& reports) {
    std::vector<bool> stored;
    if (reports.empty()) return stored;
    SQLite::Statement q(db, std::string(kInsertReport) + " ON CONFLICT DO NOTHING");
    for (const ReportRecord& r : reports) {
        q.reset();
        bind_report(q, r);
        stored.push_back(q.exec() == 1);
    }
    return stored;
}

}  // namespace

std::vector<AppendOutcome> Ledger::append(const LedgerBatch& batch) {
    std::vector<AppendOutcome> outcomes;
    outcomes.reserve(batch.events.size());
    if (!impl_->outbox && !batch.outbox.empty()) {
        throw LedgerError(LedgerFault::io, "ledger " + impl_->path.string() + ": append: opened read-only");
    }
    try {
        // IMMEDIATE takes the write lock (waiting busy_timeout for it) before anything is read: the outbox
        // part reads lane totals and then writes, and the forwarder's connection writes to the same file;
        // a deferred transaction upgraded from read to write could fail with SQLITE_BUSY without waiting.
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        auto& insert = *impl_->insert_event;
        for (const EventRecord& e : batch.events) {
            insert.reset();
            insert.bind(1, e.terminal);
            insert.bind(2, e.seq);
            insert.bind(3, e.gate);
            insert.bind(4, e.kind);
            bind_optional(insert, 5, e.person);
            insert.bind(6, e.occurred_ms);
            insert.bind(7, e.received_ms);
            insert.bind(8, e.offline ? 1 : 0);
            insert.bind(9, e.data_json);
            outcomes.push_back(insert.exec() == 1 ? AppendOutcome::stored : AppendOutcome::duplicate);
        }
        // Screenings before decisions: a decision names the screening it used.
        insert_screenings(impl_->db, batch.screenings);
        insert_decisions(impl_->db, batch.decisions);
        insert_alerts(impl_->db, batch.alerts);
        insert_alert_actions(impl_->db, batch.alert_actions);
        // What exists only because of an event goes in only with a newly stored event.
        // Built only when the batch holds a resend: otherwise every event is new.
        const bool any_resend = std::find(outcomes.begin(), outcomes.end(), AppendOutcome::duplicate) != outcomes.end();
        std::set<EventKey> stored;
        for (std::size_t i = 0; any_resend && i < outcomes.size(); ++i) {
            if (outcomes[i] == AppendOutcome::stored) stored.insert({batch.events[i].terminal, batch.events[i].seq});
        }
        const auto fresh = [&](const std::optional<EventKey>& event) {
            return !any_resend || !event || stored.count(*event) > 0;
        };
        std::vector<AlertRecord> event_alerts;
        for (const auto& a : batch.event_alerts) {
            if (fresh(a.event)) event_alerts.push_back(a.alert);
        }
        insert_alerts(impl_->db, event_alerts);
        const std::vector<bool> reports_stored = insert_reports(impl_->db, batch.reports);
        // A report already recorded (the day went upstream before) takes its outbox entry with it.
        const bool any_report_skipped = std::find(reports_stored.begin(), reports_stored.end(), false) != reports_stored.end();
        const auto report_fresh = [&](const std::optional<std::size_t>& report) {
            return !report || (*report < reports_stored.size() && reports_stored[*report]);
        };
        OutboxAppendReport outbox_report;
        if (!batch.outbox.empty()) {
            const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
            if (!any_resend && !any_report_skipped) {
                outbox_report = impl_->outbox->append(batch.outbox, now_ms);
            } else {
                std::vector<OutboxEntry> entries;
                for (const auto& entry : batch.outbox) {
                    if (fresh(entry.for_event) && report_fresh(entry.for_report)) entries.push_back(entry);
                }
                if (!entries.empty()) outbox_report = impl_->outbox->append(entries, now_ms);
            }
        }
        tx.commit();
        impl_->last_outbox_append = outbox_report;
    } catch (const SQLite::Exception& e) {
        impl_->insert_event->tryReset();  // reset() would rethrow the failed step's error
        if (impl_->outbox) impl_->outbox->abandon();
        throw translate(impl_->path, e, "append");
    }
    return outcomes;
}

const OutboxAppendReport& Ledger::last_outbox_append() const { return impl_->last_outbox_append; }

void Ledger::set_outbox_limits(const OutboxLimits& limits) {
    impl_->outbox_limits = limits;
    if (impl_->outbox) impl_->outbox->set_limits(limits);
}

std::vector<DecisionRecord> Ledger::decisions(const std::string& person, std::int64_t since_ms) {
    std::vector<DecisionRecord> out;
    try {
        SQLite::Statement q(impl_->db, std::string("SELECT ") + rows::kDecisionColumns +
                                           " FROM decisions WHERE decided_ms >= ?" +
                                           (person.empty() ? "" : " AND person = ?") + " ORDER BY decided_ms, id");
        q.bind(1, since_ms);
        if (!person.empty()) q.bind(2, person);
        while (q.executeStep()) out.push_back(rows::read_decision(q));
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read decisions");
    }
    return out;
}

std::map<std::string, std::int64_t> Ledger::last_seq_by_terminal() {
    std::map<std::string, std::int64_t> last;
    try {
        SQLite::Statement q(impl_->db, "SELECT terminal, MAX(seq) FROM events GROUP BY terminal");
        while (q.executeStep()) last[q.getColumn(0).getString()] = q.getColumn(1).getInt64();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read last sequence numbers");
    }
    return last;
}

void Ledger::upsert_terminal(const TerminalRecord& t) {
    try {
        SQLite::Statement q(impl_->db,
                            "INSERT INTO terminals (id, kind, firmware, last_hello_ms) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, firmware = excluded.firmware, "
                            "last_hello_ms = excluded.last_hello_ms");
        q.bind(1, t.id);
        q.bind(2, t.kind);
        q.bind(3, t.firmware);
        q.bind(4, t.last_hello_ms);
        q.exec();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "record terminal");
    }
}

std::vector<TerminalRecord> Ledger::terminals() {
    std::vector<TerminalRecord> out;
    try {
        SQLite::Statement q(impl_->db, "SELECT id, kind, firmware, last_hello_ms FROM terminals ORDER BY id");
        while (q.executeStep()) {
            out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                           q.getColumn(3).getInt64()});
        }
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read terminals");
    }
    return out;
}

void Ledger::for_each_event(const EventFilter& f, const std::function<void(const StoredEvent&)>& visit) {
    std::string where;
    auto add = [&where](const char* condition) { where += (where.empty() ? " WHERE " : " AND ") + std::string(condition); };
    if (f.gate) add("gate = :gate");
    if (f.terminal) add("terminal = :terminal");
    if (f.person) add("person = :person");
    if (f.kind) add("kind = :kind");
    if (f.since_ms) add("occurred_ms >= :since");
    if (f.until_ms) add("occurred_ms <= :until");
    constexpr const char* columns =
        "SELECT id, terminal, seq, gate, kind, person, occurred_ms, received_ms, offline, data FROM events";
    // "Last N" picks the newest rows with the index, then presents them oldest first like every other query.
    std::string sql = f.last ? std::string("SELECT * FROM (") + columns + where +
                                   " ORDER BY occurred_ms DESC, id DESC LIMIT :last) ORDER BY occurred_ms, id"
                             : std::string(columns) + where + " ORDER BY occurred_ms, id";
    try {
        SQLite::Statement q(impl_->db, sql);
        if (f.gate) q.bind(":gate", *f.gate);
        if (f.terminal) q.bind(":terminal", *f.terminal);
        if (f.person) q.bind(":person", *f.person);
        if (f.kind) q.bind(":kind", *f.kind);
        if (f.since_ms) q.bind(":since", *f.since_ms);
        if (f.until_ms) q.bind(":until", *f.until_ms);
        if (f.last) q.bind(":last", *f.last);
        StoredEvent row;
        while (q.executeStep()) {
            row.id = q.getColumn(0).getInt64();
            auto& e = row.event;
            e.terminal = q.getColumn(1).getString();
            e.seq = q.getColumn(2).getInt64();
            e.gate = q.getColumn(3).getString();
            e.kind = q.getColumn(4).getString();
            e.person = q.getColumn(5).isNull() ? std::nullopt : std::optional(q.getColumn(5).getString());
            e.occurred_ms = q.getColumn(6).getInt64();
            e.received_ms = q.getColumn(7).getInt64();
            e.offline = q.getColumn(8).getInt() != 0;
            e.data_json = q.getColumn(9).getString();
            visit(row);
        }
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "query events");
    }
}

std::vector<StoredEvent> Ledger::query_events(const EventFilter& filter) {
    std::vector<StoredEvent> rows;
    for_each_event(filter, [&rows](const StoredEvent& row) { rows.push_back(row); });
    return rows;
}

std::int64_t Ledger::event_count() {
    try {
        return impl_->db.execAndGet("SELECT COUNT(*) FROM events").getInt64();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "count events");
    }
}

namespace {

PersonListEntry read_entry(SQLite::Statement& q) {
    PersonListEntry e;
    e.list = *parse_person_list_kind(q.getColumn(0).getString());
    e.person = q.getColumn(1).getString();
    e.name = q.getColumn(2).getString();
    if (!q.getColumn(3).isNull()) e.valid_from_ms = q.getColumn(3).getInt64();
    if (!q.getColumn(4).isNull()) e.valid_until_ms = q.getColumn(4).getInt64();
    e.note = q.getColumn(5).getString();
    return e;
}

constexpr const char* kListColumns = "SELECT list, person, name, valid_from_ms, valid_until_ms, note FROM person_lists";

}  // namespace

const char* to_string(PersonListKind kind) { return kind == PersonListKind::allow ? "allow" : "deny"; }

std::optional<PersonListKind> parse_person_list_kind(const std::string& text) {
    if (text == "allow") return PersonListKind::allow;
    if (text == "deny") return PersonListKind::deny;
    return std::nullopt;
}

void Ledger::import_person_list(const std::vector<PersonListEntry>& entries, bool replace) {
    try {
        SQLite::Transaction tx(impl_->db);
        if (replace) {
            for (PersonListKind kind : {PersonListKind::allow, PersonListKind::deny}) {
                const bool named = std::any_of(entries.begin(), entries.end(), [kind](const auto& e) { return e.list == kind; });
                if (!named) continue;
                SQLite::Statement clear(impl_->db, "DELETE FROM person_lists WHERE list = ?");
                clear.bind(1, to_string(kind));
                clear.exec();
            }
        }
        SQLite::Statement q(impl_->db,
                            "INSERT INTO person_lists (list, person, name, valid_from_ms, valid_until_ms, note) "
                            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (list, person) DO UPDATE SET name = excluded.name, "
                            "valid_from_ms = excluded.valid_from_ms, valid_until_ms = excluded.valid_until_ms, "
                            "note = excluded.note");
        for (const auto& e : entries) {
            q.reset();
            q.bind(1, to_string(e.list));
            q.bind(2, e.person);
            q.bind(3, e.name);
            if (e.valid_from_ms) q.bind(4, *e.valid_from_ms); else q.bind(4);
            if (e.valid_until_ms) q.bind(5, *e.valid_until_ms); else q.bind(5);
            q.bind(6, e.note);
            q.exec();
        }
        tx.commit();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "import person list");
    }
}

std::vector<PersonListEntry> Ledger::person_list(std::optional<PersonListKind> list) {
    std::vector<PersonListEntry> out;
    try {
        SQLite::Statement q(impl_->db, std::string(kListColumns) + (list ? " WHERE list = ?" : "") + " ORDER BY list, person");
        if (list) q.bind(1, to_string(*list));
        while (q.executeStep()) out.push_back(read_entry(q));
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read person list");
    }
    return out;
}

std::optional<PersonListEntry> Ledger::find_person(PersonListKind list, const std::string& person) {
    try {
        SQLite::Statement q(impl_->db, std::string(kListColumns) + " WHERE list = ? AND person = ?");
        q.bind(1, to_string(list));
        q.bind(2, person);
        if (q.executeStep()) return read_entry(q);
        return std::nullopt;
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "look up person");
    }
}

namespace {

std::optional<std::int64_t> held_version(SQLite::Database& db, const char* subject) {
    SQLite::Statement q(db, "SELECT version FROM downlink_versions WHERE subject = ?");
    q.bind(1, subject);
    if (q.executeStep()) return q.getColumn(0).getInt64();
    return std::nullopt;
}

void store_version(SQLite::Database& db, const char* subject, std::int64_t version, std::int64_t now_ms,
                   const std::string& body) {
    SQLite::Statement q(db,
                        "INSERT INTO downlink_versions (subject, version, applied_ms, body) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (subject) DO UPDATE SET version = excluded.version, "
                        "applied_ms = excluded.applied_ms, body = excluded.body");
    q.bind(1, subject);
    q.bind(2, version);
    q.bind(3, now_ms);
    q.bind(4, body);
    q.exec();
}

}  // namespace

DownlinkApply Ledger::apply_person_list_update(const PersonListUpdate& update, std::int64_t now_ms) {
    const char* subject = to_string(update.list);
    try {
        // The check and the change in one write transaction: a second writer cannot slip a version in between.
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        const std::optional<std::int64_t> held = held_version(impl_->db, subject);
        if (held && update.version <= *held) return DownlinkApply::stale;
        if (!update.full && update.base != held.value_or(0)) return DownlinkApply::gap;
        if (update.full) {
            SQLite::Statement clear(impl_->db, "DELETE FROM person_lists WHERE list = ?");
            clear.bind(1, subject);
            clear.exec();
        }
        SQLite::Statement remove(impl_->db, "DELETE FROM person_lists WHERE list = ? AND person = ?");
        for (const auto& person : update.removals) {
            remove.reset();
            remove.bind(1, subject);
            remove.bind(2, person);
            remove.exec();
        }
        SQLite::Statement q(impl_->db,
                            "INSERT INTO person_lists (list, person, name, valid_from_ms, valid_until_ms, note) "
                            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (list, person) DO UPDATE SET name = excluded.name, "
                            "valid_from_ms = excluded.valid_from_ms, valid_until_ms = excluded.valid_until_ms, "
                            "note = excluded.note");
        for (const auto& e : update.upserts) {
            q.reset();
            q.bind(1, subject);
            q.bind(2, e.person);
            q.bind(3, e.name);
            if (e.valid_from_ms) q.bind(4, *e.valid_from_ms); else q.bind(4);
            if (e.valid_until_ms) q.bind(5, *e.valid_until_ms); else q.bind(5);
            q.bind(6, e.note);
            q.exec();
        }
        store_version(impl_->db, subject, update.version, now_ms, "");
        tx.commit();
        return DownlinkApply::applied;
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "apply list update");
    }
}

DownlinkApply Ledger::apply_policy_update(std::int64_t version, const std::string& body, std::int64_t now_ms) {
    try {
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        const std::optional<std::int64_t> held = held_version(impl_->db, "policy");
        if (held && version <= *held) return DownlinkApply::stale;
        store_version(impl_->db, "policy", version, now_ms, body);
        tx.commit();
        return DownlinkApply::applied;
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "apply policy update");
    }
}

std::vector<DownlinkVersion> Ledger::downlink_versions() {
    std::vector<DownlinkVersion> out;
    try {
        SQLite::Statement q(impl_->db, "SELECT subject, version, applied_ms, body FROM downlink_versions ORDER BY subject");
        while (q.executeStep()) {
            out.push_back({q.getColumn(0).getString(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64(),
                           q.getColumn(3).getString()});
        }
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read downlink versions");
    }
    return out;
}

int Ledger::synchronous_level() {
    try {
        return impl_->db.execAndGet("PRAGMA synchronous").getInt();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read synchronous level");
    }
}

std::string Ledger::integrity_check() {
    try {
        return impl_->db.execAndGet("PRAGMA integrity_check").getString();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "integrity check");
    }
}

}  // namespace gatehouse::storage
