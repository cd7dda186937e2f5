// Schema 8: alerts name their screening and request, closes keep the re-check, and the reports table records each
// report, at most one upstream report per day (its outbox entry is written only with it).
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include "gatehouse/storage/ledger.hpp"
#include "gatehouse/storage/outbox.hpp"
#include "gatehouse/storage/report_log.hpp"
#include "gatehouse/storage/schema_migrations.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::storage;
using gatehouse::test::TempDir;

namespace {

ReportRecord upstream_report(const std::string& day) {
    ReportRecord r;
    r.first_day = r.last_day = day;
    r.timezone = "Asia/Shanghai";
    r.format = "upstream";
    r.channel = "upstream";
    r.actor = "gatehouse";
    r.generated_ms = 1'800'000'000'000;
    r.sha256 = std::string(64, 'a');
    r.bytes = 10;
    return r;
}

int outbox_rows(const std::filesystem::path& path, const char* kind) {
    SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT COUNT(*) FROM outbox WHERE kind = ?");
    q.bind(1, kind);
    q.executeStep();
    return q.getColumn(0).getInt();
}

}  // namespace

TEST_CASE("an upstream report is stored once per day, and its outbox entry only with it", "[storage][reports]") {
    TempDir dir;
    Ledger ledger({dir / "ledger.db"});
    auto batch_for = [](const std::string& day) {
        LedgerBatch b;
        b.reports = {upstream_report(day)};
        OutboxEntry report{OutboxLane::alert, "daily_report", "", 1, "{\"day\":\"" + day + "\"}"};
        report.for_report = 0;
        b.outbox = {report, OutboxEntry{OutboxLane::alert, "fever", "g1", 1, "{}"}};
        return b;
    };
    ledger.append(batch_for("2026-11-21"));
    CHECK(ledger.last_upstream_report_day() == "2026-11-21");
    // The same day again (a restart, a report offered twice): the report and its entry are skipped, the rest is not.
    ledger.append(batch_for("2026-11-21"));
    CHECK(outbox_rows(dir / "ledger.db", "daily_report") == 1);
    CHECK(outbox_rows(dir / "ledger.db", "fever") == 2);
    CHECK(ledger.reports("2026-11-21", "2026-11-21").size() == 1);
    ledger.append(batch_for("2026-11-22"));
    CHECK(ledger.last_upstream_report_day() == "2026-11-22");
    CHECK(outbox_rows(dir / "ledger.db", "daily_report") == 2);

    // Reports made with the CLI are recorded through a connection of their own, as many as are made.
    ReportLog log(dir / "ledger.db");
    ReportRecord cli = upstream_report("2026-11-21");
    cli.channel = "cli";
    cli.format = "csv";
    cli.actor = "li.wei";
    log.record(cli);
    log.record(cli);
    const auto day = ledger.reports("2026-11-21", "2026-11-21");
    REQUIRE(day.size() == 3);
    CHECK(day[1].actor == "li.wei");
    CHECK(day[1].format == "csv");
    CHECK(ledger.last_upstream_report_day() == "2026-11-22");
    // A range report covering the day is found by it too.
    ReportRecord range = cli;
    range.kind = "range";
    range.first_day = "2026-11-08";
    range.last_day = "2026-11-21";
    log.record(range);
    CHECK(ledger.reports("2026-11-15", "2026-11-15").size() == 1);
}

TEST_CASE("a version 7 ledger migrates to 8: alerts and actions keep their rows, re-checks are stored", "[storage][migration]") {
    TempDir dir;
    const auto path = dir / "v7.db";
    {
        SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        migrate_schema(db, 7);
        db.exec("INSERT INTO alerts (id, kind, severity, gate, source, raised_ms, person, celsius, snapshot, text, state) "
                "VALUES (1, 'fever', 'critical', 'g1', 'cam', 5, 'E1', 38.1, NULL, 'fever', 'closed')");
        db.exec("INSERT INTO alert_actions (alert, action, actor, note, at_ms) VALUES (1, 'closed', 'li.wei', 'old close', 6)");
    }
    Ledger ledger({path});
    const auto old = ledger.alert(1);
    REQUIRE(old);
    CHECK_FALSE(old->screening);
    CHECK_FALSE(old->request);
    CHECK_FALSE(ledger.alert_actions(1).at(0).disposition);

    AlertRecord fever;
    fever.id = 2;
    fever.kind = "fever";
    fever.severity = "critical";
    fever.raised_ms = 7;
    fever.text = "fever";
    fever.screening = 41;
    fever.request = "r9";
    LedgerBatch b;
    b.alerts = {fever};
    ledger.append(b);
    AlertAction close{2, AlertState::closed, "li.wei", "clinic", 8};
    close.disposition = RecheckDisposition::sent_to_clinic;
    close.recheck_celsius = 38.2;
    LedgerBatch c;
    c.alert_actions = {close};
    ledger.append(c);
    CHECK(ledger.alert(2)->screening == 41);
    CHECK(ledger.alert(2)->request == "r9");
    const auto actions = ledger.alert_actions(2);
    REQUIRE(actions.size() == 1);
    CHECK(actions[0].disposition == RecheckDisposition::sent_to_clinic);
    CHECK(actions[0].recheck_celsius == 38.2);
    CHECK(parse_recheck_disposition("sent_home") == RecheckDisposition::sent_home);
    CHECK_FALSE(parse_recheck_disposition("home"));
}
