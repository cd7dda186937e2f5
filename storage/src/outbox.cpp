// The forwarder's side of the outbox (see outbox.hpp). Each sink's progress in a lane is a cursor, done_seq:
// every record of the lane up to it is done for the sink (delivered or dead-lettered). Records confirmed
// out of order above the cursor wait in outbox_acks until the gap below them closes, so the common case
// (a batch confirmed in order) costs one cursor update and no per-record rows.
#include "gatehouse/storage/outbox.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <set>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "gatehouse/storage/schema_migrations.hpp"
#include "ledger_connection.hpp"
#include "outbox_lane_store.hpp"

namespace gatehouse::storage {
namespace {

using outbox_store::lane_index;

constexpr std::array<OutboxLane, kOutboxLaneCount> kLanes = {OutboxLane::alert, OutboxLane::record, OutboxLane::routine};

std::int64_t utc_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

OutboxLane lane_of(int value) {
    return value <= 0 ? OutboxLane::alert : value == 1 ? OutboxLane::record : OutboxLane::routine;
}

/// Which counter a settled record adds to.
enum class Settlement { delivered, dead_letter };

}  // namespace

struct Outbox::Impl {
    std::filesystem::path path;
    SQLite::Database db;
    OutboxLimits limits;

    explicit Impl(const OutboxOptions& o)
        : path(o.path), db(o.path.string(), SQLite::OPEN_READWRITE, o.busy_timeout_ms), limits(o.limits) {}

    /// The sink's cursor in `lane`, or nullopt when the sink is not registered for it.
    std::optional<std::int64_t> cursor(const std::string& sink, OutboxLane lane) {
        SQLite::Statement q(db, "SELECT done_seq FROM outbox_cursors WHERE sink = ? AND lane = ?");
        q.bind(1, sink);
        q.bind(2, lane_index(lane));
        if (q.executeStep()) return q.getColumn(0).getInt64();
        return std::nullopt;
    }

    std::set<std::int64_t> acks_above_cursor(const std::string& sink, OutboxLane lane) {
        std::set<std::int64_t> acks;
        SQLite::Statement q(db, "SELECT lane_seq FROM outbox_acks WHERE sink = ? AND lane = ?");
        q.bind(1, sink);
        q.bind(2, lane_index(lane));
        while (q.executeStep()) acks.insert(q.getColumn(0).getInt64());
        return acks;
    }

    /// Marks `seqs` of `lane` done for `sink` and moves its cursor over every done record at its front.
    /// Runs inside the caller's write transaction.
    void settle(const std::string& sink, OutboxLane lane, const std::vector<std::int64_t>& seqs, Settlement how) {
        {
            SQLite::Statement ensure(db, "INSERT OR IGNORE INTO outbox_cursors (sink, lane) VALUES (?, ?)");
            ensure.bind(1, sink);
            ensure.bind(2, lane_index(lane));
            ensure.exec();
        }
        std::int64_t done_seq = cursor(sink, lane).value_or(0);
        std::set<std::int64_t> done = acks_above_cursor(sink, lane);
        for (const std::int64_t seq : seqs) {
            if (seq > done_seq) done.insert(seq);
        }
        {
            SQLite::Statement front(db, "SELECT lane_seq FROM outbox WHERE lane = ? AND lane_seq > ? ORDER BY lane_seq");
            front.bind(1, lane_index(lane));
            front.bind(2, done_seq);
            while (front.executeStep()) {
                const std::int64_t seq = front.getColumn(0).getInt64();
                if (!done.count(seq)) break;
                done_seq = seq;
            }
        }
        SQLite::Statement update(db, how == Settlement::delivered
                                         ? "UPDATE outbox_cursors SET done_seq = ?, delivered = delivered + ? "
                                           "WHERE sink = ? AND lane = ?"
                                         : "UPDATE outbox_cursors SET done_seq = ?, dead_letters = dead_letters + ? "
                                           "WHERE sink = ? AND lane = ?");
        update.bind(1, done_seq);
        update.bind(2, static_cast<std::int64_t>(seqs.size()));
        update.bind(3, sink);
        update.bind(4, lane_index(lane));
        update.exec();
        SQLite::Statement forget(db, "DELETE FROM outbox_acks WHERE sink = ? AND lane = ? AND lane_seq <= ?");
        forget.bind(1, sink);
        forget.bind(2, lane_index(lane));
        forget.bind(3, done_seq);
        forget.exec();
        SQLite::Statement remember(db, "INSERT OR IGNORE INTO outbox_acks (sink, lane, lane_seq) VALUES (?, ?, ?)");
        for (const std::int64_t seq : seqs) {
            if (seq <= done_seq) continue;
            remember.reset();
            remember.bind(1, sink);
            remember.bind(2, lane_index(lane));
            remember.bind(3, seq);
            remember.exec();
        }
    }
};

Outbox::Outbox(const OutboxOptions& options) {
    try {
        impl_ = std::make_unique<Impl>(options);
        const int version = impl_->db.execAndGet("PRAGMA user_version").getInt();
        if (version != latest_schema_version()) {
            throw LedgerError(LedgerFault::io, "ledger " + options.path.string() + ": schema version " +
                                                   std::to_string(version) + ", the outbox needs " +
                                                   std::to_string(latest_schema_version()) +
                                                   "; the daemon's ledger creates and upgrades it");
        }
        // Losing the last confirmations to a power cut only sends those records again, with the same key
        // (at-least-once), so the forwarder's commits need not wait for an fsync each.
        impl_->db.exec("PRAGMA synchronous = NORMAL");
    } catch (const SQLite::Exception& e) {
        throw translate(options.path, e, "open outbox");
    }
}

Outbox::~Outbox() = default;
Outbox::Outbox(Outbox&&) noexcept = default;
Outbox& Outbox::operator=(Outbox&&) noexcept = default;

void Outbox::set_limits(const OutboxLimits& limits) { impl_->limits = limits; }
const OutboxLimits& Outbox::limits() const { return impl_->limits; }

void Outbox::register_sinks(std::span<const OutboxSink> sinks) {
    try {
        std::set<std::pair<std::string, int>> wanted;
        for (const auto& sink : sinks) {
            for (const OutboxLane lane : sink.lanes) wanted.insert({sink.name, lane_index(lane)});
        }
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        std::vector<std::pair<std::string, int>> stale;
        {
            SQLite::Statement q(impl_->db, "SELECT sink, lane FROM outbox_cursors");
            while (q.executeStep()) {
                std::pair<std::string, int> row{q.getColumn(0).getString(), q.getColumn(1).getInt()};
                if (!wanted.count(row)) stale.push_back(std::move(row));
            }
        }
        for (const auto& [sink, lane] : stale) {
            for (const char* sql : {"DELETE FROM outbox_cursors WHERE sink = ? AND lane = ?",
                                    "DELETE FROM outbox_acks WHERE sink = ? AND lane = ?"}) {
                SQLite::Statement erase(impl_->db, sql);
                erase.bind(1, sink);
                erase.bind(2, lane);
                erase.exec();
            }
        }
        SQLite::Statement add(impl_->db, "INSERT OR IGNORE INTO outbox_cursors (sink, lane) VALUES (?, ?)");
        for (const auto& [sink, lane] : wanted) {
            add.reset();
            add.bind(1, sink);
            add.bind(2, lane);
            add.exec();
        }
        tx.commit();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "register sinks");
    }
}

std::vector<OutboxRecord> Outbox::next(const std::string& sink, std::span<const OutboxLane> lanes, std::size_t max) {
    return next(sink, lanes, max, LaneSeqs{});
}

std::vector<OutboxRecord> Outbox::next(const std::string& sink, std::span<const OutboxLane> lanes, std::size_t max,
                                       const LaneSeqs& handed_over) {
    std::vector<OutboxRecord> out;
    std::vector<OutboxLane> ordered(lanes.begin(), lanes.end());
    std::sort(ordered.begin(), ordered.end());
    ordered.erase(std::unique(ordered.begin(), ordered.end()), ordered.end());
    try {
        // One read transaction: the cursors, acks and rows are seen at one point in time.
        SQLite::Transaction tx(impl_->db);
        for (const OutboxLane lane : ordered) {
            if (out.size() >= max) break;
            const std::int64_t done_seq = impl_->cursor(sink, lane).value_or(0);
            const std::int64_t from_seq = std::max(done_seq, handed_over[static_cast<std::size_t>(lane_index(lane))]);
            std::set<std::int64_t> acks = impl_->acks_above_cursor(sink, lane);
            std::erase_if(acks, [&](std::int64_t seq) { return seq <= from_seq; });
            SQLite::Statement q(impl_->db,
                                "SELECT id, lane_seq, key, kind, gate, created_ms, body FROM outbox "
                                "WHERE lane = ? AND lane_seq > ? ORDER BY lane_seq LIMIT ?");
            q.bind(1, lane_index(lane));
            q.bind(2, from_seq);
            q.bind(3, static_cast<std::int64_t>(max - out.size() + acks.size()));
            while (q.executeStep() && out.size() < max) {
                const std::int64_t seq = q.getColumn(1).getInt64();
                if (acks.count(seq)) continue;
                OutboxRecord r;
                r.id = q.getColumn(0).getInt64();
                r.lane = lane;
                r.lane_seq = seq;
                r.key = q.getColumn(2).getString();
                r.kind = q.getColumn(3).getString();
                r.gate = q.getColumn(4).getString();
                r.created_ms = q.getColumn(5).getInt64();
                r.body_json = q.getColumn(6).getString();
                out.push_back(std::move(r));
            }
        }
        tx.commit();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read outbox");
    }
    return out;
}

void Outbox::confirm(const std::string& sink, std::span<const std::int64_t> ids) {
    if (ids.empty()) return;
    try {
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        std::map<int, std::vector<std::int64_t>> seqs_by_lane;
        {
            SQLite::Statement lookup(impl_->db, "SELECT lane, lane_seq FROM outbox WHERE id = ?");
            for (const std::int64_t id : ids) {
                lookup.reset();
                lookup.bind(1, id);
                if (lookup.executeStep()) seqs_by_lane[lookup.getColumn(0).getInt()].push_back(lookup.getColumn(1).getInt64());
            }
        }
        for (const auto& [lane, seqs] : seqs_by_lane) impl_->settle(sink, lane_of(lane), seqs, Settlement::delivered);
        tx.commit();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "confirm outbox records");
    }
}

void Outbox::dead_letter(const std::string& sink, const OutboxRecord& record, const std::string& detail) {
    try {
        SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement insert(impl_->db,
                                 "INSERT INTO outbox_dead_letters (sink, lane, lane_seq, key, kind, gate, created_ms, "
                                 "body, detail, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        insert.bind(1, sink);
        insert.bind(2, lane_index(record.lane));
        insert.bind(3, record.lane_seq);
        insert.bind(4, record.key);
        insert.bind(5, record.kind);
        insert.bind(6, record.gate);
        insert.bind(7, record.created_ms);
        insert.bind(8, record.body_json);
        insert.bind(9, detail);
        insert.bind(10, utc_now_ms());
        insert.exec();
        impl_->settle(sink, record.lane, {record.lane_seq}, Settlement::dead_letter);
        tx.commit();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "dead-letter outbox record");
    }
}

std::int64_t Outbox::purge_done(std::int64_t chunk) {
    std::int64_t purged = 0;
    try {
        // Per lane, the lowest cursor among the sinks taking it; a lane nobody takes holds nothing back.
        std::array<std::int64_t, kOutboxLaneCount> bound;
        bound.fill(std::numeric_limits<std::int64_t>::max());
        {
            SQLite::Statement q(impl_->db, "SELECT lane, MIN(done_seq) FROM outbox_cursors GROUP BY lane");
            while (q.executeStep()) {
                const int lane = q.getColumn(0).getInt();
                if (lane >= 0 && lane < kOutboxLaneCount) bound[static_cast<std::size_t>(lane)] = q.getColumn(1).getInt64();
            }
        }
        for (const OutboxLane lane : kLanes) {
            const std::int64_t limit = bound[static_cast<std::size_t>(lane_index(lane))];
            while (true) {
                // Look before taking the write lock: most rounds find nothing to delete.
                std::int64_t upper = limit;
                {
                    SQLite::Statement q(impl_->db,
                                        "SELECT lane_seq FROM outbox WHERE lane = ? AND lane_seq <= ? "
                                        "ORDER BY lane_seq LIMIT 1 OFFSET ?");
                    q.bind(1, lane_index(lane));
                    q.bind(2, limit);
                    q.bind(3, chunk - 1);
                    if (q.executeStep()) upper = q.getColumn(0).getInt64();
                }
                {
                    SQLite::Statement any(impl_->db, "SELECT 1 FROM outbox WHERE lane = ? AND lane_seq <= ? LIMIT 1");
                    any.bind(1, lane_index(lane));
                    any.bind(2, upper);
                    if (!any.executeStep()) break;
                }
                SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
                std::int64_t records = 0;
                std::int64_t bytes = 0;
                {
                    // Counted inside the transaction: the ledger may have dropped some of these meanwhile.
                    SQLite::Statement q(impl_->db,
                                        "SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM outbox WHERE lane = ? AND lane_seq <= ?");
                    q.bind(1, lane_index(lane));
                    q.bind(2, upper);
                    q.executeStep();
                    records = q.getColumn(0).getInt64();
                    bytes = q.getColumn(1).getInt64();
                }
                if (records == 0) break;
                SQLite::Statement erase(impl_->db, "DELETE FROM outbox WHERE lane = ? AND lane_seq <= ?");
                erase.bind(1, lane_index(lane));
                erase.bind(2, upper);
                erase.exec();
                SQLite::Statement totals(impl_->db,
                                         "UPDATE outbox_lanes SET records = records - ?, bytes = bytes - ? WHERE lane = ?");
                totals.bind(1, records);
                totals.bind(2, bytes);
                totals.bind(3, lane_index(lane));
                totals.exec();
                tx.commit();
                purged += records;
                if (records < chunk) break;
            }
        }
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "purge delivered outbox records");
    }
    return purged;
}

std::int64_t Outbox::expire(std::int64_t now_ms) {
    std::int64_t expired = 0;
    try {
        for (const OutboxLane lane : kLanes) {
            const auto& ttl = impl_->limits.of(lane).ttl;
            if (!ttl) continue;
            SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
            expired += outbox_store::expire_lane(impl_->db, lane, now_ms - ttl->count());
            tx.commit();
        }
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "expire outbox records");
    }
    return expired;
}

std::vector<LaneBacklog> Outbox::backlog() {
    std::vector<LaneBacklog> out;
    try {
        SQLite::Transaction tx(impl_->db);
        for (const OutboxLane lane : kLanes) {
            LaneBacklog b;
            b.lane = lane;
            SQLite::Statement totals(impl_->db, "SELECT records, bytes FROM outbox_lanes WHERE lane = ?");
            totals.bind(1, lane_index(lane));
            if (totals.executeStep()) {
                b.records = totals.getColumn(0).getInt64();
                b.bytes = totals.getColumn(1).getInt64();
            }
            SQLite::Statement oldest(impl_->db, "SELECT created_ms FROM outbox WHERE lane = ? ORDER BY lane_seq LIMIT 1");
            oldest.bind(1, lane_index(lane));
            if (oldest.executeStep()) b.oldest_created_ms = oldest.getColumn(0).getInt64();
            b.high = impl_->limits.is_high(lane, b.bytes);
            // Full: a record of the lane's average size would no longer fit under max_bytes (record and
            // routine drop their oldest from then on; alerts carry on up to the hard cap).
            b.full = b.records > 0 && b.bytes + b.bytes / b.records > impl_->limits.of(lane).max_bytes;
            out.push_back(b);
        }
        tx.commit();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read outbox backlog");
    }
    return out;
}

SinkBacklog Outbox::sink_backlog(const std::string& sink) {
    SinkBacklog out;
    out.sink = sink;
    try {
        SQLite::Transaction tx(impl_->db);
        SQLite::Statement cursors(impl_->db,
                                  "SELECT c.lane, c.done_seq, c.delivered, c.dead_letters, l.records, l.bytes, l.last_seq "
                                  "FROM outbox_cursors c JOIN outbox_lanes l ON l.lane = c.lane WHERE c.sink = ?");
        cursors.bind(1, sink);
        while (cursors.executeStep()) {
            const int lane = cursors.getColumn(0).getInt();
            const std::int64_t done_seq = cursors.getColumn(1).getInt64();
            out.delivered += cursors.getColumn(2).getInt64();
            out.dead_letters += cursors.getColumn(3).getInt64();
            const std::int64_t lane_records = cursors.getColumn(4).getInt64();
            const std::int64_t lane_bytes = cursors.getColumn(5).getInt64();
            const std::int64_t last_seq = cursors.getColumn(6).getInt64();
            if (lane_records == 0) continue;
            // Count whichever side of the cursor spans fewer sequence numbers (an index-only count).
            std::int64_t pending = 0;
            {
                SQLite::Statement first(impl_->db, "SELECT created_ms FROM outbox WHERE lane = ? AND lane_seq > ? "
                                                   "ORDER BY lane_seq LIMIT 1");
                first.bind(1, lane);
                first.bind(2, done_seq);
                if (!first.executeStep()) continue;  // nothing above the cursor
                const std::int64_t created = first.getColumn(0).getInt64();
                out.oldest_created_ms = out.oldest_created_ms ? std::min(*out.oldest_created_ms, created) : created;
            }
            const bool count_above = last_seq - done_seq < lane_records;
            SQLite::Statement count(impl_->db, count_above ? "SELECT COUNT(*) FROM outbox WHERE lane = ? AND lane_seq > ?"
                                                           : "SELECT COUNT(*) FROM outbox WHERE lane = ? AND lane_seq <= ?");
            count.bind(1, lane);
            count.bind(2, done_seq);
            count.executeStep();
            pending = count_above ? count.getColumn(0).getInt64() : lane_records - count.getColumn(0).getInt64();
            SQLite::Statement acks(impl_->db, "SELECT COUNT(*) FROM outbox_acks WHERE sink = ? AND lane = ?");
            acks.bind(1, sink);
            acks.bind(2, lane);
            acks.executeStep();
            pending = std::max<std::int64_t>(0, pending - acks.getColumn(0).getInt64());
            out.records += pending;
            // Bytes are estimated from the lane's average row: summing them would read every pending row.
            out.bytes += lane_bytes * pending / lane_records;
        }
        tx.commit();
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read sink backlog");
    }
    return out;
}

std::vector<LaneCounters> Outbox::counters() {
    std::vector<LaneCounters> out;
    try {
        SQLite::Statement q(impl_->db, "SELECT lane, dropped, dropped_bytes, rejected, expired FROM outbox_lanes ORDER BY lane");
        while (q.executeStep()) {
            out.push_back({lane_of(q.getColumn(0).getInt()), q.getColumn(1).getInt64(), q.getColumn(2).getInt64(),
                           q.getColumn(3).getInt64(), q.getColumn(4).getInt64()});
        }
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read outbox counters");
    }
    return out;
}

std::vector<DeadLetter> Outbox::dead_letters(const std::string& sink, std::size_t limit) {
    std::vector<DeadLetter> out;
    try {
        SQLite::Statement q(impl_->db, std::string("SELECT id, sink, lane, lane_seq, key, kind, gate, created_ms, body, detail, "
                                                   "at_ms FROM outbox_dead_letters") +
                                           (sink.empty() ? "" : " WHERE sink = :sink") + " ORDER BY id LIMIT :limit");
        if (!sink.empty()) q.bind(":sink", sink);
        q.bind(":limit", static_cast<std::int64_t>(limit));
        while (q.executeStep()) {
            DeadLetter d;
            d.id = q.getColumn(0).getInt64();
            d.sink = q.getColumn(1).getString();
            d.record.lane = lane_of(q.getColumn(2).getInt());
            d.record.lane_seq = q.getColumn(3).getInt64();
            d.record.key = q.getColumn(4).getString();
            d.record.kind = q.getColumn(5).getString();
            d.record.gate = q.getColumn(6).getString();
            d.record.created_ms = q.getColumn(7).getInt64();
            d.record.body_json = q.getColumn(8).getString();
            d.detail = q.getColumn(9).getString();
            d.at_ms = q.getColumn(10).getInt64();
            out.push_back(std::move(d));
        }
    } catch (const SQLite::Exception& e) {
        throw translate(impl_->path, e, "read dead letters");
    }
    return out;
}

}  // namespace gatehouse::storage
