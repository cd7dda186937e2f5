#include <catch2/catch.hpp>

#include "gatehouse/storage/ledger.hpp"
#include "gatehouse/storage/outbox.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::storage;
using gatehouse::test::TempDir;

namespace {

AlertRecord alert(std::int64_t id, const std::string& kind, std::int64_t at_ms) {
    AlertRecord a;
    a.id = id;
    a.kind = kind;
    a.severity = kind == "fever" ? "critical" : "warning";
    a.gate = "g1";
    a.source = "cam1";
    a.raised_ms = at_ms;
    a.celsius = 38.2;
    a.snapshot = "/var/lib/gatehouse/snapshots/cam1/1.jpg";
    a.text = kind + " at g1";
    return a;
}

}  // namespace

TEST_CASE("screenings, decisions naming them, alerts and alert actions commit in one batch", "[storage][alerts]") {
    TempDir dir;
    Ledger ledger({dir / "ledger.db"});
    LedgerBatch batch;
    batch.screenings.push_back({7, "cam1", "g1", 1000, 38.4, "elevated", std::nullopt, 37.3, "/snap/7.jpg"});
    DecisionRecord d{"r1", "t1", "g1", "E1", "card", false, R"(["fever"])", 38.4, "green", false, 1001};
    d.screening = 7;
    d.snapshot = "/snap/7.jpg";
    batch.decisions.push_back(d);
    batch.alerts.push_back(alert(1, "fever", 1000));
    batch.alerts.push_back(alert(2, "tailgating", 1002));
    ledger.append(batch);

    const auto screenings = ledger.screenings("g1", 0);
    REQUIRE(screenings.size() == 1);
    CHECK(screenings[0].id == 7);
    CHECK(screenings[0].verdict == "elevated");
    CHECK(*screenings[0].celsius == Approx(38.4));
    CHECK(ledger.screenings("g2", 0).empty());
    const auto decisions = ledger.decisions("E1", 0);
    REQUIRE(decisions.size() == 1);
    CHECK(decisions[0].screening == 7);
    CHECK(decisions[0].snapshot == "/snap/7.jpg");
    CHECK(decisions[0].decided_ms == 1001);
    CHECK(ledger.max_alert_id() == 2);
    CHECK(ledger.max_screening_id() == 7);

    LedgerBatch actions;
    actions.alert_actions.push_back({1, AlertState::acknowledged, "guard1", "on my way", 2000});
    actions.alert_actions.push_back({1, AlertState::closed, "guard1", "re-checked: 36.9 with ear thermometer", 3000});
    ledger.append(actions);
    CHECK(ledger.alert(1)->state == AlertState::closed);
    CHECK(ledger.alert(2)->state == AlertState::open);
    CHECK_FALSE(ledger.alert(3));
    const auto open = ledger.alerts(0, /*open_only=*/true);
    REQUIRE(open.size() == 1);
    CHECK(open[0].id == 2);
    CHECK(ledger.alerts(0, false).size() == 2);
    CHECK(ledger.alerts(1001, false).size() == 1);
    const auto trail = ledger.alert_actions(1);
    REQUIRE(trail.size() == 2);
    CHECK(trail[0].to == AlertState::acknowledged);
    CHECK(trail[1].actor == "guard1");
    CHECK(trail[1].note == "re-checked: 36.9 with ear thermometer");
    CHECK(trail[1].at_ms == 3000);
}

TEST_CASE("a batch whose alert cannot be stored commits nothing of it", "[storage][alerts]") {
    TempDir dir;
    Ledger ledger({dir / "ledger.db"});
    LedgerBatch batch;
    batch.events.push_back({"t1", 1, "g1", "door", std::nullopt, 1, 2, false, R"({"state":"forced"})"});
    batch.alerts.push_back(alert(1, "door_forced", 5));
    batch.alerts.push_back(alert(1, "door_forced", 5));  // the same id twice: the transaction fails as a whole
    CHECK_THROWS_AS(ledger.append(batch), LedgerError);
    CHECK(ledger.event_count() == 0);
    CHECK(ledger.max_alert_id() == 0);
}

TEST_CASE("an event's alert and outbox entry are written in its transaction, only when the event is new",
          "[storage][alerts][outbox]") {
    TempDir dir;
    Ledger ledger({dir / "ledger.db"});
    auto event = [](std::int64_t seq) {
        return EventRecord{"t1", seq, "g1", "door", std::nullopt, 1000, 1001, false, R"({"state":"forced"})"};
    };
    auto batch_for = [&](std::initializer_list<std::int64_t> seqs, std::int64_t first_alert_id) {
        LedgerBatch batch;
        std::int64_t id = first_alert_id;
        for (std::int64_t seq : seqs) {
            batch.events.push_back(event(seq));
            const EventKey key{"t1", seq};
            batch.event_alerts.push_back({key, alert(id++, "door_forced", 1001)});
            batch.outbox.push_back({OutboxLane::routine, "door", "g1", 1001, R"({"seq":)" + std::to_string(seq) + "}", key,
                                    std::nullopt, std::nullopt});
        }
        return batch;
    };
    const auto first = ledger.append(batch_for({1, 2}, 1));
    CHECK(first == std::vector<AppendOutcome>{AppendOutcome::stored, AppendOutcome::stored});
    // Seq 2 again (a resend) and seq 3: only seq 3's alert and outbox entry are new.
    const auto second = ledger.append(batch_for({2, 3}, 3));
    CHECK(second == std::vector<AppendOutcome>{AppendOutcome::duplicate, AppendOutcome::stored});
    std::vector<std::int64_t> ids;
    for (const auto& a : ledger.alerts(0, false)) ids.push_back(a.id);
    CHECK(ids == std::vector<std::int64_t>{1, 2, 4});
    CHECK(ledger.event_count() == 3);
    Outbox outbox({dir / "ledger.db"});
    outbox.register_sinks(std::vector<OutboxSink>{{"mqtt", {OutboxLane::routine}}});
    std::vector<std::string> bodies;
    for (const auto& r : outbox.next("mqtt", std::vector{OutboxLane::routine}, 10)) bodies.push_back(r.body_json);
    CHECK(bodies == std::vector<std::string>{R"({"seq":1})", R"({"seq":2})", R"({"seq":3})"});
}
