// Retention purge and erasure of one person, against a real ledger file.
#include <algorithm>

#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include "gatehouse/storage/ledger.hpp"
#include "gatehouse/storage/record_purger.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::storage;
using gatehouse::test::TempDir;

namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kNow = 1'800'000'000'000;  // 2027-01-15

EventRecord event(const std::string& terminal, std::int64_t seq, std::optional<std::string> person, std::int64_t received_ms,
                  std::int64_t occurred_ms = 0) {
    return {terminal, seq, "g1", "credential", std::move(person), occurred_ms ? occurred_ms : received_ms, received_ms,
            false, "{}"};
}

DecisionRecord decision(const std::string& request, const std::string& person, std::int64_t at_ms,
                        std::optional<std::int64_t> screening = std::nullopt, std::optional<std::string> snapshot = std::nullopt) {
    DecisionRecord d{request, "t1", "g1", person, "card", true, "[]", 36.6, "green", false, at_ms};
    d.screening = screening;
    d.snapshot = std::move(snapshot);
    return d;
}

ScreeningRecord screening(std::int64_t id, std::int64_t at_ms, std::optional<std::string> snapshot = std::nullopt) {
    return {id, "cam1", "g1", at_ms, 36.6, "normal", std::nullopt, 37.3, std::move(snapshot)};
}

AlertRecord alert(std::int64_t id, std::int64_t at_ms, std::optional<std::string> person, AlertState state,
                  std::optional<std::string> snapshot = std::nullopt) {
    AlertRecord a;
    a.id = id;
    a.kind = "denied";
    a.severity = "info";
    a.gate = "g1";
    a.raised_ms = at_ms;
    a.person = std::move(person);
    a.snapshot = std::move(snapshot);
    a.text = "denied";
    a.state = state;
    return a;
}

OutboxEntry outbox(OutboxLane lane, std::int64_t at_ms, std::optional<std::string> person,
                   std::optional<std::int64_t> screening_id = std::nullopt) {
    OutboxEntry e{lane, "decision", "g1", at_ms, R"({"person":")" + person.value_or("") + R"("})", std::nullopt};
    e.person = std::move(person);
    e.screening = screening_id;
    return e;
}

std::int64_t count(const std::filesystem::path& ledger, const std::string& sql) {
    SQLite::Database db(ledger.string());
    return db.execAndGet(sql).getInt64();
}

RetentionCutoffs cutoffs_at(std::int64_t now, int events = 14, int screenings = 14, int decisions = 14, int alerts = 30,
                            int snapshots = 7) {
    return {now - events * kDay, now - screenings * kDay, now - decisions * kDay, now - alerts * kDay, now - snapshots * kDay};
}

}  // namespace

TEST_CASE("the purge removes each kind by its own cutoff, in batches, and keeps future-dated records", "[storage][retention]") {
    TempDir dir;
    const auto path = dir / "ledger.db";
    Ledger ledger({path});
    LedgerBatch batch;
    // 25 events 20 days old, 3 events 10 days old, one received "in the future" and one whose terminal clock is
    // far behind although the gateway received it just now.
    for (int i = 0; i < 25; ++i) batch.events.push_back(event("t1", i + 1, "E1", kNow - 20 * kDay + i));
    for (int i = 0; i < 3; ++i) batch.events.push_back(event("t2", i + 1, "E2", kNow - 10 * kDay));
    batch.events.push_back(event("t3", 1, "E3", kNow + 3 * kDay));
    batch.events.push_back(event("t3", 2, "E3", kNow - 1000, /*occurred_ms=*/kNow - 400 * kDay));
    // Decisions: 16 and 13 days old. Screenings: 15 and 8 and 2 days old (with snapshots). Alerts: closed 31 days,
    // open 31 days, closed 20 days.
    batch.screenings.push_back(screening(1, kNow - 15 * kDay, "/snap/1.jpg"));
    batch.screenings.push_back(screening(2, kNow - 8 * kDay, "/snap/2.jpg"));
    batch.screenings.push_back(screening(3, kNow - 2 * kDay, "/snap/3.jpg"));
    batch.decisions.push_back(decision("r1", "E1", kNow - 16 * kDay, 1, "/snap/1.jpg"));
    batch.decisions.push_back(decision("r2", "E1", kNow - 13 * kDay, 2, "/snap/2.jpg"));
    batch.alerts.push_back(alert(1, kNow - 31 * kDay, "E1", AlertState::closed));
    batch.alerts.push_back(alert(2, kNow - 31 * kDay, "E1", AlertState::open));
    batch.alerts.push_back(alert(3, kNow - 20 * kDay, "E1", AlertState::closed, "/snap/2.jpg"));
    batch.alert_actions.push_back({1, AlertState::closed, "guard", "done", kNow - 31 * kDay});
    batch.outbox.push_back(outbox(OutboxLane::routine, kNow - 20 * kDay, "E1"));
    batch.outbox.push_back(outbox(OutboxLane::record, kNow - 1 * kDay, "E1"));
    ledger.append(batch);

    RecordPurger purger(path);
    const auto cut = cutoffs_at(kNow);
    const auto first = purger.purge_step(cut, 10);
    CHECK(first.events == 10);  // a batch never deletes more than its size
    CHECK(first.more);
    PurgeCounts total = first;
    int steps = 1;
    while (total.more && steps < 100) {
        auto step = purger.purge_step(cut, 10);
        total.more = false;
        total += step;
        ++steps;
    }
    CHECK(steps == 3);  // 25 old events in batches of 10
    CHECK(total.events == 25);
    CHECK(count(path, "SELECT COUNT(*) FROM events") == 5);
    CHECK(count(path, "SELECT COUNT(*) FROM events WHERE terminal = 't3'") == 2);  // future-dated, and old terminal clock
    CHECK(total.decisions == 1);
    CHECK(count(path, "SELECT COUNT(*) FROM decisions WHERE request = 'r2'") == 1);
    CHECK(total.screenings == 1);
    // The kept decision r2 no longer... still names screening 2 (kept), but its snapshot is past 7 days: cleared.
    CHECK(total.snapshots == 2);  // screening 1 (deleted) and screening 2 (8 days old)
    CHECK(std::find(total.snapshot_files.begin(), total.snapshot_files.end(), "/snap/2.jpg") != total.snapshot_files.end());
    CHECK(count(path, "SELECT COUNT(*) FROM screenings WHERE snapshot IS NOT NULL") == 1);  // 2 days old: kept
    CHECK(count(path, "SELECT COUNT(*) FROM decisions WHERE snapshot IS NOT NULL") == 0);
    CHECK(count(path, "SELECT COUNT(*) FROM alerts WHERE snapshot IS NOT NULL") == 0);
    CHECK(total.alerts == 1);  // the open one waits until it is closed
    CHECK(total.alert_actions == 1);
    CHECK(count(path, "SELECT COUNT(*) FROM alerts WHERE id = 2") == 1);
    CHECK(count(path, "SELECT COUNT(*) FROM alert_actions") == 0);
    CHECK(total.outbox == 1);
    CHECK(count(path, "SELECT records FROM outbox_lanes WHERE lane = 2") == 0);
    CHECK(count(path, "SELECT records FROM outbox_lanes WHERE lane = 1") == 1);
    CHECK(count(path, "SELECT expired FROM outbox_lanes WHERE lane = 2") == 1);

    const auto again = purger.purge_step(cut, 10);
    CHECK(again.rows() == 0);
    CHECK_FALSE(again.more);
    CHECK(ledger.integrity_check() == "ok");
}

TEST_CASE("a purged screening leaves the decision that used it without a dangling reference", "[storage][retention]") {
    TempDir dir;
    const auto path = dir / "ledger.db";
    Ledger ledger({path});
    LedgerBatch batch;
    batch.screenings.push_back(screening(5, kNow - 5 * kDay));
    batch.decisions.push_back(decision("r1", "E1", kNow - 5 * kDay, 5));
    ledger.append(batch);
    RecordPurger purger(path);
    // Screenings kept 3 days, decisions 30.
    const auto step = purger.purge_step(cutoffs_at(kNow, 14, 3, 30, 30, 3), 100);
    CHECK(step.screenings == 1);
    CHECK(step.decisions == 0);
    CHECK(count(path, "SELECT COUNT(*) FROM decisions WHERE screening IS NOT NULL") == 0);
    CHECK(count(path, "SELECT COUNT(*) FROM decisions") == 1);
}

TEST_CASE("erasing a person removes all of their records and nothing of anyone else", "[storage][erase]") {
    TempDir dir;
    const auto path = dir / "ledger.db";
    Ledger ledger({path});
    LedgerBatch batch;
    batch.events.push_back(event("t1", 1, "E1", kNow));
    batch.events.push_back(event("t1", 2, "E2", kNow));
    batch.events.push_back(event("t1", 3, std::nullopt, kNow));
    batch.screenings.push_back(screening(1, kNow, "/snap/1.jpg"));
    batch.screenings.push_back(screening(2, kNow, "/snap/2.jpg"));
    batch.decisions.push_back(decision("r1", "E1", kNow, 1, "/snap/1.jpg"));
    batch.decisions.push_back(decision("r2", "E2", kNow, 2, "/snap/2.jpg"));
    batch.alerts.push_back(alert(1, kNow, "E1", AlertState::open, "/snap/1.jpg"));
    batch.alerts.push_back(alert(2, kNow, std::nullopt, AlertState::open, "/snap/1.jpg"));  // the camera's fever alert
    batch.alerts.push_back(alert(3, kNow, "E2", AlertState::open, "/snap/2.jpg"));
    batch.alert_actions.push_back({1, AlertState::acknowledged, "guard", "", kNow});
    batch.outbox.push_back(outbox(OutboxLane::record, kNow, "E1", 1));
    batch.outbox.push_back(outbox(OutboxLane::record, kNow, std::nullopt, 1));  // the screening itself
    batch.outbox.push_back(outbox(OutboxLane::record, kNow, "E2", 2));
    ledger.append(batch);
    ledger.import_person_list({{PersonListKind::deny, "E1", "", std::nullopt, std::nullopt, ""}}, false);

    RecordPurger purger(path);
    const auto preview = purger.erase_person({"E1", {}, true, /*dry_run=*/true});
    CHECK(preview.events == 1);
    CHECK(count(path, "SELECT COUNT(*) FROM events WHERE person = 'E1'") == 1);  // a dry run changes nothing

    const auto report = purger.erase_person({"E1", {}, /*lists=*/false, false});
    CHECK(report.events == 1);
    CHECK(report.decisions == 1);
    CHECK(report.screenings == 1);
    CHECK(report.alerts == 2);
    CHECK(report.alert_actions == 1);
    CHECK(report.outbox == 2);
    CHECK(report.list_entries == 0);
    CHECK(report.snapshot_files == std::vector<std::string>{"/snap/1.jpg"});
    CHECK(count(path, "SELECT COUNT(*) FROM events") == 2);
    CHECK(count(path, "SELECT COUNT(*) FROM events WHERE person = 'E2'") == 1);
    CHECK(count(path, "SELECT COUNT(*) FROM decisions WHERE person = 'E2' AND screening = 2") == 1);
    CHECK(count(path, "SELECT COUNT(*) FROM screenings WHERE id = 2") == 1);
    CHECK(count(path, "SELECT COUNT(*) FROM alerts") == 1);
    CHECK(count(path, "SELECT COUNT(*) FROM outbox WHERE person = 'E2'") == 1);
    CHECK(count(path, "SELECT COUNT(*) FROM outbox") == 1);
    CHECK(count(path, "SELECT records FROM outbox_lanes WHERE lane = 1") == 1);
    CHECK(count(path, "SELECT COUNT(*) FROM person_lists WHERE person = 'E1'") == 1);  // kept without --lists

    const auto lists = purger.erase_person({"E1", {}, true, false});
    CHECK(lists.list_entries == 1);
    CHECK(lists.events == 0);
    CHECK(ledger.integrity_check() == "ok");
}
