#include "gatehouse/storage/schema_migrations.hpp"

#include <array>
#include <string_view>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>

namespace gatehouse::storage {
namespace {

// Migration i upgrades a file from user_version i to i+1. Never edit a released step: append a new one,
// because deployed gateways carry files at every version.
constexpr std::array<std::string_view, 10> kMigrations = {
    // 0 -> 1: terminal events. occurred_ms is the terminal's clock (what admins ask about); received_ms
    // is the gateway's. Indexes serve the admin queries: by gate, person, kind and time range.
    R"sql(
    CREATE TABLE events (
        id          INTEGER PRIMARY KEY,
        terminal    TEXT    NOT NULL,
        seq         INTEGER NOT NULL,
        gate        TEXT    NOT NULL,
        kind        TEXT    NOT NULL,
        person      TEXT,
        occurred_ms INTEGER NOT NULL,
        received_ms INTEGER NOT NULL,
        offline     INTEGER NOT NULL DEFAULT 0,
        data        TEXT    NOT NULL DEFAULT '{}',
        UNIQUE (terminal, seq)
    );
    CREATE INDEX events_by_gate   ON events (gate, occurred_ms);
    CREATE INDEX events_by_person ON events (person, occurred_ms) WHERE person IS NOT NULL;
    CREATE INDEX events_by_kind   ON events (kind, occurred_ms);
    CREATE INDEX events_by_time   ON events (occurred_ms);
    )sql",
    // 1 -> 2: what each terminal said in its last hello.
    R"sql(
    CREATE TABLE terminals (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL,
        firmware      TEXT NOT NULL,
        last_hello_ms INTEGER NOT NULL
    );
    )sql",
    // 2 -> 3: person lists (allow with optional validity, deny).
    R"sql(
    CREATE TABLE person_lists (
        list           TEXT    NOT NULL CHECK (list IN ('allow', 'deny')),
        person         TEXT    NOT NULL,
        name           TEXT    NOT NULL DEFAULT '',
        valid_from_ms  INTEGER,
        valid_until_ms INTEGER,
        note           TEXT    NOT NULL DEFAULT '',
        PRIMARY KEY (list, person)
    ) WITHOUT ROWID;
    )sql",
    // 3 -> 4: access decisions.
    R"sql(
    CREATE TABLE decisions (
        id          INTEGER PRIMARY KEY,
        request     TEXT    NOT NULL,
        terminal    TEXT    NOT NULL,
        gate        TEXT    NOT NULL,
        person      TEXT    NOT NULL,
        method      TEXT    NOT NULL,
        result      TEXT    NOT NULL CHECK (result IN ('grant', 'deny')),
        reasons     TEXT    NOT NULL DEFAULT '[]',
        celsius     REAL,
        health_code TEXT,
        alert       INTEGER NOT NULL DEFAULT 0,
        decided_ms  INTEGER NOT NULL
    );
    CREATE INDEX decisions_by_person ON decisions (person, decided_ms);
    CREATE INDEX decisions_by_gate   ON decisions (gate, decided_ms);
    )sql",
    // 4 -> 5: camera screenings (decisions name the one they used), alerts and the actions taken on them.
    R"sql(
    CREATE TABLE screenings (
        id          INTEGER PRIMARY KEY,
        camera      TEXT    NOT NULL,
        gate        TEXT    NOT NULL,
        screened_ms INTEGER NOT NULL,
        celsius     REAL,
        verdict     TEXT    NOT NULL CHECK (verdict IN ('normal', 'elevated', 'uncertain')),
        reason      TEXT,
        threshold   REAL    NOT NULL,
        snapshot    TEXT
    );
    CREATE INDEX screenings_by_gate ON screenings (gate, screened_ms);
    ALTER TABLE decisions ADD COLUMN screening INTEGER REFERENCES screenings (id);
    ALTER TABLE decisions ADD COLUMN snapshot TEXT;
    CREATE TABLE alerts (
        id        INTEGER PRIMARY KEY,
        kind      TEXT    NOT NULL,
        severity  TEXT    NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
        gate      TEXT    NOT NULL DEFAULT '',
        source    TEXT    NOT NULL DEFAULT '',
        raised_ms INTEGER NOT NULL,
        person    TEXT,
        celsius   REAL,
        snapshot  TEXT,
        text      TEXT    NOT NULL,
        state     TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'closed'))
    );
    CREATE INDEX alerts_by_time   ON alerts (raised_ms);
    CREATE INDEX alerts_not_closed ON alerts (state) WHERE state <> 'closed';
    CREATE TABLE alert_actions (
        id     INTEGER PRIMARY KEY,
        alert  INTEGER NOT NULL REFERENCES alerts (id),
        action TEXT    NOT NULL CHECK (action IN ('acknowledged', 'closed')),
        actor  TEXT    NOT NULL,
        note   TEXT    NOT NULL DEFAULT '',
        at_ms  INTEGER NOT NULL
    );
    CREATE INDEX alert_actions_by_alert ON alert_actions (alert, at_ms);
    )sql",
    // 5 -> 6: the outbox (what goes upstream, written in the transaction that records it), its per-lane
    // totals and counters (kept as rows so that caps are checked without scanning), each sink's progress
    // per lane (a cursor below which everything is done, plus the few records confirmed out of order above
    // it), and the records a sink refused for good.
    R"sql(
    CREATE TABLE outbox (
        id         INTEGER PRIMARY KEY,
        lane       INTEGER NOT NULL CHECK (lane IN (0, 1, 2)),
        lane_seq   INTEGER NOT NULL,
        key        TEXT    NOT NULL,
        kind       TEXT    NOT NULL,
        gate       TEXT    NOT NULL,
        created_ms INTEGER NOT NULL,
        body       TEXT    NOT NULL,
        bytes      INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX outbox_by_lane ON outbox (lane, lane_seq);
    CREATE TABLE outbox_lanes (
        lane          INTEGER PRIMARY KEY,
        last_seq      INTEGER NOT NULL DEFAULT 0,
        records       INTEGER NOT NULL DEFAULT 0,
        bytes         INTEGER NOT NULL DEFAULT 0,
        dropped       INTEGER NOT NULL DEFAULT 0,
        dropped_bytes INTEGER NOT NULL DEFAULT 0,
        rejected      INTEGER NOT NULL DEFAULT 0,
        expired       INTEGER NOT NULL DEFAULT 0
    );
    INSERT INTO outbox_lanes (lane) VALUES (0), (1), (2);
    CREATE TABLE outbox_cursors (
        sink         TEXT    NOT NULL,
        lane         INTEGER NOT NULL,
        done_seq     INTEGER NOT NULL DEFAULT 0,
        delivered    INTEGER NOT NULL DEFAULT 0,
        dead_letters INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (sink, lane)
    ) WITHOUT ROWID;
    CREATE TABLE outbox_acks (
        sink     TEXT    NOT NULL,
        lane     INTEGER NOT NULL,
        lane_seq INTEGER NOT NULL,
        PRIMARY KEY (sink, lane, lane_seq)
    ) WITHOUT ROWID;
    CREATE TABLE outbox_dead_letters (
        id         INTEGER PRIMARY KEY,
        sink       TEXT    NOT NULL,
        lane       INTEGER NOT NULL,
        lane_seq   INTEGER NOT NULL,
        key        TEXT    NOT NULL,
        kind       TEXT    NOT NULL,
        gate       TEXT    NOT NULL,
        created_ms INTEGER NOT NULL,
        body       TEXT    NOT NULL,
        detail     TEXT    NOT NULL,
        at_ms      INTEGER NOT NULL
    );
    CREATE INDEX outbox_dead_letters_by_sink ON outbox_dead_letters (sink, id);
    )sql",
    // 6 -> 7: retention and erasure. The purge walks each table by the gateway's own time stamp (an event's
    // received_ms, not the terminal's clock); erasure finds a person's alerts, the decisions that used a
    // screening, and the outbox rows about a person or a screening without scanning.
    R"sql(
    CREATE INDEX events_by_received     ON events (received_ms);
    CREATE INDEX screenings_by_time     ON screenings (screened_ms);
    CREATE INDEX screenings_with_snapshot ON screenings (screened_ms) WHERE snapshot IS NOT NULL;
    CREATE INDEX decisions_by_time      ON decisions (decided_ms);
    CREATE INDEX decisions_by_screening ON decisions (screening) WHERE screening IS NOT NULL;
    CREATE INDEX alerts_by_person       ON alerts (person) WHERE person IS NOT NULL;
    CREATE INDEX alerts_by_snapshot     ON alerts (snapshot) WHERE snapshot IS NOT NULL;
    ALTER TABLE outbox ADD COLUMN person TEXT;
    ALTER TABLE outbox ADD COLUMN screening INTEGER;
    CREATE INDEX outbox_by_person    ON outbox (person) WHERE person IS NOT NULL;
    CREATE INDEX outbox_by_screening ON outbox (screening) WHERE screening IS NOT NULL;
    )sql",
    // 7 -> 8: the inspectors' ledger (docs/reports.md). An alert names the screening and the access request it
    // was raised for, so that a fever reading finds its alert and the re-check recorded when it was closed; the
    // reports generated are recorded (who, when, which days, a hash of the content), at most one scheduled report
    // upstream per day.
    R"sql(
    ALTER TABLE alerts ADD COLUMN screening INTEGER;
    ALTER TABLE alerts ADD COLUMN request TEXT;
    CREATE INDEX alerts_by_screening ON alerts (screening) WHERE screening IS NOT NULL;
    ALTER TABLE alert_actions ADD COLUMN disposition TEXT
        CHECK (disposition IN ('recheck_normal', 'sent_to_clinic', 'sent_home', 'other'));
    ALTER TABLE alert_actions ADD COLUMN recheck_celsius REAL;
    CREATE TABLE reports (
        id           INTEGER PRIMARY KEY,
        kind         TEXT    NOT NULL CHECK (kind IN ('daily', 'range')),
        first_day    TEXT    NOT NULL,
        last_day     TEXT    NOT NULL,
        gate         TEXT,
        timezone     TEXT    NOT NULL,
        format       TEXT    NOT NULL,
        channel      TEXT    NOT NULL CHECK (channel IN ('cli', 'upstream')),
        actor        TEXT    NOT NULL,
        generated_ms INTEGER NOT NULL,
        sha256       TEXT    NOT NULL,
        bytes        INTEGER NOT NULL
    );
    CREATE INDEX reports_by_day ON reports (first_day);
    CREATE UNIQUE INDEX reports_upstream_once ON reports (first_day) WHERE channel = 'upstream';
    )sql",
    // 8 -> 9: the web console's audit trail (who logged in, acted on an alert, imported or exported what, and
    // what was refused to whom).
    R"sql(
    CREATE TABLE audit (
        id      INTEGER PRIMARY KEY,
        at_ms   INTEGER NOT NULL,
        actor   TEXT    NOT NULL,
        role    TEXT    NOT NULL DEFAULT '',
        address TEXT    NOT NULL DEFAULT '',
        action  TEXT    NOT NULL,
        target  TEXT    NOT NULL DEFAULT '',
        outcome TEXT    NOT NULL,
        detail  TEXT    NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_by_time ON audit (at_ms);
    )sql",
    // 9 -> 10: the versions of the centrally published lists and policy this gateway holds (docs/fleet-downlink.md),
    // written in the same transaction as the update they describe; a policy keeps its whole signed body.
    R"sql(
    CREATE TABLE downlink_versions (
        subject    TEXT    PRIMARY KEY CHECK (subject IN ('allow', 'deny', 'policy')),
        version    INTEGER NOT NULL,
        applied_ms INTEGER NOT NULL,
        body       TEXT    NOT NULL DEFAULT ''
    );
    )sql",
};

}  // namespace

int latest_schema_version() { return static_cast<int>(kMigrations.size()); }

void migrate_schema(SQLite::Database& db, int target) {
    int version = db.execAndGet("PRAGMA user_version").getInt();
    for (; version < target && version < latest_schema_version(); ++version) {
        SQLite::Transaction step(db);
        db.exec(std::string(kMigrations[static_cast<std::size_t>(version)]));
        db.exec("PRAGMA user_version = " + std::to_string(version + 1));
        step.commit();
    }
}

}  // namespace gatehouse::storage
