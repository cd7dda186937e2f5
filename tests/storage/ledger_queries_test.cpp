#include <catch2/catch.hpp>

#include "gatehouse/storage/ledger.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::storage;
using gatehouse::test::TempDir;

namespace {

DecisionRecord decision(const std::string& gate, const std::string& person, bool grant, std::int64_t at_ms) {
    return {"r-" + std::to_string(at_ms), gate + "-card", gate, person, "card", grant, grant ? "[]" : R"(["fever"])",
            36.6, "green", false, at_ms};
}

AlertRecord alert(std::int64_t id, const std::string& kind, const std::string& gate, std::int64_t at_ms) {
    AlertRecord a;
    a.id = id;
    a.kind = kind;
    a.severity = "critical";
    a.gate = gate;
    a.raised_ms = at_ms;
    a.text = kind;
    return a;
}

// Ten decisions and screenings over g1/g2, three alerts, two actions.
void fill(Ledger& ledger) {
    LedgerBatch b;
    for (int i = 1; i <= 10; ++i) {
        const std::string gate = i % 2 ? "g1" : "g2";
        b.decisions.push_back(decision(gate, i <= 5 ? "E1" : "E2", i != 4, 1000 * i));
        b.screenings.push_back({i, "cam-" + gate, gate, 1000 * i, 36.5, i == 4 ? "elevated" : "normal", std::nullopt,
                                37.3, std::nullopt});
    }
    b.alerts = {alert(1, "fever", "g2", 4000), alert(2, "door_forced", "g1", 5000), alert(3, "fever", "g1", 9000)};
    ledger.append(b);
    LedgerBatch actions;
    actions.alert_actions = {{1, AlertState::acknowledged, "li", "", 6000}, {1, AlertState::closed, "li", "sent home", 7000}};
    ledger.append(actions);
}

}  // namespace

TEST_CASE("records after an id come in commit order, bounded, and the maximum ids are known", "[storage][queries]") {
    TempDir dir;
    Ledger ledger({dir / "ledger.db"});
    CHECK(ledger.max_record_ids().decisions == 0);
    fill(ledger);

    RecordQuery after;
    after.after_id = 7;
    const auto decisions = ledger.find_decisions(after);
    REQUIRE(decisions.size() == 3);
    CHECK(decisions[0].id == 8);
    CHECK(decisions[2].id == 10);
    CHECK(decisions[0].decision.decided_ms == 8000);
    after.limit = 2;
    CHECK(ledger.find_screenings(after).size() == 2);
    CHECK(ledger.find_screenings(after)[0].id == 8);

    const auto actions = ledger.alert_actions_after(0, 10);
    REQUIRE(actions.size() == 2);
    CHECK(actions[1].action.to == AlertState::closed);
    CHECK(actions[1].action.note == "sent home");
    CHECK(ledger.alert_actions_after(actions[1].id, 10).empty());

    const RecordIds ids = ledger.max_record_ids();
    CHECK(ids.decisions == 10);
    CHECK(ids.screenings == 10);
    CHECK(ids.alerts == 3);
    CHECK(ids.alert_actions == actions[1].id);
}

TEST_CASE("records by gate, person, kind, state and time, newest or oldest first", "[storage][queries]") {
    TempDir dir;
    Ledger ledger({dir / "ledger.db"});
    fill(ledger);

    RecordQuery g1;
    g1.gate = "g1";
    g1.limit = 2;
    const auto newest = ledger.find_decisions(g1);
    REQUIRE(newest.size() == 2);
    CHECK(newest[0].decision.decided_ms == 9000);
    CHECK(newest[1].decision.decided_ms == 7000);
    g1.newest_first = false;
    CHECK(ledger.find_screenings(g1)[0].screened_ms == 1000);

    RecordQuery person;
    person.person = "E2";
    person.since_ms = 7000;
    person.until_ms = 9000;
    person.limit = 100;
    CHECK(ledger.find_decisions(person).size() == 3);

    RecordQuery fevers;
    fevers.kind = "fever";
    CHECK(ledger.find_alerts(fevers).size() == 2);
    fevers.unclosed_only = true;
    const auto open = ledger.find_alerts(fevers);
    REQUIRE(open.size() == 1);
    CHECK(open[0].id == 3);
}

TEST_CASE("audit rows are appended and read back newest first", "[storage][queries]") {
    TempDir dir;
    Ledger ledger({dir / "ledger.db"});
    ledger.append_audit({1000, "li", "guard", "127.0.0.1", "login", "", "ok", ""});
    ledger.append_audit({2000, "li", "guard", "127.0.0.1", "alert_close", "alert 3", "ok", "sent home"});
    ledger.append_audit({3000, "mallory", "", "10.0.0.9", "login", "", "refused", "wrong password"});
    const auto rows = ledger.recent_audit(2);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].record.actor == "mallory");
    CHECK(rows[0].record.outcome == "refused");
    CHECK(rows[1].record.detail == "sent home");
    CHECK(rows[1].record.target == "alert 3");
}
