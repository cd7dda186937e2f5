#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "gatehouse/storage/ledger.hpp"
#include "gatehouse/storage/outbox.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::storage;
using gatehouse::test::TempDir;

namespace {

constexpr std::int64_t kNowMs = 1'790'000'000'000;

std::int64_t utc_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

OutboxEntry entry(OutboxLane lane, int n, std::size_t body_bytes = 0, std::int64_t created_ms = kNowMs) {
    std::string body = R"({"n":)" + std::to_string(n) + R"(,"pad":")" + std::string(body_bytes, 'x') + R"("})";
    return {lane, lane == OutboxLane::alert ? "fever" : lane == OutboxLane::record ? "decision" : "heartbeat", "g1",
            created_ms, std::move(body)};
}

EventRecord event(std::int64_t seq) {
    return {"t1", seq, "g1", "credential", "P1", kNowMs, kNowMs + 5, false, R"({"method":"card"})"};
}

LedgerOptions options(const TempDir& dir, OutboxLimits limits = {}) {
    LedgerOptions o;
    o.path = dir / "ledger.db";
    o.gateway_id = "north-gw";
    o.outbox_limits = limits;
    return o;
}

const std::vector<OutboxLane> kAllLanes = {OutboxLane::alert, OutboxLane::record, OutboxLane::routine};

std::vector<std::int64_t> ids_of(const std::vector<OutboxRecord>& records) {
    std::vector<std::int64_t> ids;
    for (const auto& r : records) ids.push_back(r.id);
    return ids;
}

std::vector<std::string> keys_of(const std::vector<OutboxRecord>& records) {
    std::vector<std::string> keys;
    for (const auto& r : records) keys.push_back(r.key);
    return keys;
}

}  // namespace

TEST_CASE("outbox entries are written with the batch: gap-free sequence and key per lane", "[storage][outbox]") {
    TempDir dir;
    Ledger ledger(options(dir));
    LedgerBatch batch;
    batch.events = {event(1), event(2)};
    batch.outbox = {entry(OutboxLane::routine, 1), entry(OutboxLane::alert, 2), entry(OutboxLane::routine, 3)};
    ledger.append(batch);
    CHECK(ledger.last_outbox_append().stored == 3);
    batch.events = {event(3)};
    batch.outbox = {entry(OutboxLane::record, 4), entry(OutboxLane::routine, 5)};
    ledger.append(batch);

    Outbox outbox({dir / "ledger.db"});
    outbox.register_sinks(std::vector<OutboxSink>{{"mqtt", kAllLanes}});
    const auto records = outbox.next("mqtt", kAllLanes, 100);
    // Alerts first, then records, then routine; oldest first within a lane.
    CHECK(keys_of(records) == std::vector<std::string>{"north-gw:alert:1", "north-gw:record:1", "north-gw:routine:1",
                                                       "north-gw:routine:2", "north-gw:routine:3"});
    CHECK(records[0].kind == "fever");
    CHECK(records[0].gate == "g1");
    CHECK(records[0].created_ms == kNowMs);
    CHECK(records[0].body_json == R"({"n":2,"pad":""})");
    CHECK(records[4].lane_seq == 3);
    CHECK(outbox.next("mqtt", kAllLanes, 2).size() == 2);
    CHECK(keys_of(outbox.next("mqtt", std::vector{OutboxLane::routine}, 1)) == std::vector<std::string>{"north-gw:routine:1"});
}

TEST_CASE("a failed append writes no outbox rows and uses no sequence numbers", "[storage][outbox]") {
    TempDir dir;
    LedgerOptions o = options(dir);
    o.max_pages = 64;  // 256 KiB: the large entry below fails with "disk full" half-way through the outbox
    Ledger ledger(o);
    LedgerBatch batch;
    batch.outbox = {entry(OutboxLane::routine, 1)};
    ledger.append(batch);
    LedgerBatch too_large;
    too_large.events = {event(1)};
    too_large.outbox = {entry(OutboxLane::routine, 2), entry(OutboxLane::routine, 3, 1'000'000)};
    try {
        ledger.append(too_large);
        FAIL("the append should have failed");
    } catch (const LedgerError& e) {
        CHECK(e.fault() == LedgerFault::disk_full);
    }
    CHECK(ledger.event_count() == 0);
    LedgerBatch good;
    good.outbox = {entry(OutboxLane::routine, 4)};
    ledger.append(good);

    Outbox outbox({dir / "ledger.db"});
    outbox.register_sinks(std::vector<OutboxSink>{{"mqtt", kAllLanes}});
    const auto records = outbox.next("mqtt", kAllLanes, 10);
    CHECK(keys_of(records) == std::vector<std::string>{"north-gw:routine:1", "north-gw:routine:2"});
    REQUIRE(records.size() == 2);
    CHECK(records[1].body_json.find(R"("n":4)") != std::string::npos);
    CHECK(outbox.backlog()[2].records == 2);
}

TEST_CASE("a row leaves the outbox only when every sink taking its lane is done with it", "[storage][outbox]") {
    TempDir dir;
    Ledger ledger(options(dir));
    LedgerBatch batch;
    for (int i = 1; i <= 4; ++i) batch.outbox.push_back(entry(OutboxLane::routine, i));
    batch.outbox.push_back(entry(OutboxLane::alert, 5));
    ledger.append(batch);

    Outbox outbox({dir / "ledger.db"});
    outbox.register_sinks(std::vector<OutboxSink>{{"mqtt", kAllLanes}, {"chat", {OutboxLane::alert}}});
    CHECK(outbox.sink_backlog("mqtt").records == 5);
    CHECK(outbox.sink_backlog("chat").records == 1);

    const auto all = outbox.next("mqtt", kAllLanes, 10);
    REQUIRE(all.size() == 5);
    outbox.confirm("mqtt", ids_of(all));
    CHECK(outbox.next("mqtt", kAllLanes, 10).empty());
    CHECK(outbox.sink_backlog("mqtt").records == 0);
    CHECK(outbox.sink_backlog("mqtt").delivered == 5);
    // Routine rows are done (only mqtt takes them); the alert still waits for the chat robot.
    CHECK(outbox.purge_done() == 4);
    auto lanes = outbox.backlog();
    CHECK(lanes[0].records == 1);
    CHECK(lanes[2].records == 0);
    CHECK(lanes[2].bytes == 0);
    CHECK_FALSE(lanes[2].oldest_created_ms);

    const auto alerts = outbox.next("chat", std::vector{OutboxLane::alert}, 10);
    REQUIRE(alerts.size() == 1);
    outbox.confirm("chat", ids_of(alerts));
    CHECK(outbox.purge_done() == 1);
    lanes = outbox.backlog();
    CHECK(lanes[0].records == 0);
    CHECK(lanes[0].bytes == 0);
}

TEST_CASE("records confirmed out of order are not sent again, the cursor closes the gap later", "[storage][outbox]") {
    TempDir dir;
    Ledger ledger(options(dir));
    LedgerBatch batch;
    for (int i = 1; i <= 5; ++i) batch.outbox.push_back(entry(OutboxLane::record, i));
    ledger.append(batch);
    Outbox outbox({dir / "ledger.db"});
    outbox.register_sinks(std::vector<OutboxSink>{{"webhook", kAllLanes}});
    const auto first = outbox.next("webhook", kAllLanes, 10);
    REQUIRE(first.size() == 5);
    outbox.confirm("webhook", std::vector{first[1].id, first[3].id});  // seq 2 and 4 acknowledged, 1, 3, 5 not
    CHECK(keys_of(outbox.next("webhook", kAllLanes, 10)) ==
          std::vector<std::string>{"north-gw:record:1", "north-gw:record:3", "north-gw:record:5"});
    CHECK(outbox.sink_backlog("webhook").records == 3);
    CHECK(outbox.purge_done() == 0);
    outbox.confirm("webhook", std::vector{first[0].id});
    CHECK(outbox.purge_done() == 2);  // seq 1 and 2
    outbox.confirm("webhook", std::vector{first[2].id, first[4].id, first[4].id, std::int64_t{12345}});
    CHECK(outbox.next("webhook", kAllLanes, 10).empty());
    CHECK(outbox.purge_done() == 3);
    CHECK(outbox.backlog()[1].records == 0);
}

TEST_CASE("a dead letter keeps the response and counts as done for that sink only", "[storage][outbox]") {
    TempDir dir;
    Ledger ledger(options(dir));
    LedgerBatch batch;
    batch.outbox = {entry(OutboxLane::record, 1), entry(OutboxLane::record, 2)};
    ledger.append(batch);
    Outbox outbox({dir / "ledger.db"});
    outbox.register_sinks(std::vector<OutboxSink>{{"webhook", kAllLanes}, {"mqtt", kAllLanes}});
    const auto records = outbox.next("webhook", kAllLanes, 10);
    outbox.dead_letter("webhook", records[0], "webhook HTTP 400: bad field");
    outbox.confirm("webhook", std::vector{records[1].id});
    CHECK(outbox.next("webhook", kAllLanes, 10).empty());
    CHECK(outbox.next("mqtt", kAllLanes, 10).size() == 2);
    const auto letters = outbox.dead_letters("webhook");
    REQUIRE(letters.size() == 1);
    CHECK(letters[0].record.key == "north-gw:record:1");
    CHECK(letters[0].record.body_json == records[0].body_json);
    CHECK(letters[0].detail == "webhook HTTP 400: bad field");
    CHECK(outbox.dead_letters("mqtt").empty());
    const auto webhook = outbox.sink_backlog("webhook");
    CHECK(webhook.dead_letters == 1);
    CHECK(webhook.delivered == 1);
    CHECK(outbox.purge_done() == 0);  // mqtt still has both
}

TEST_CASE("a sink no longer configured stops holding records back, a new one gets the backlog", "[storage][outbox]") {
    TempDir dir;
    Ledger ledger(options(dir));
    LedgerBatch batch;
    batch.outbox = {entry(OutboxLane::routine, 1), entry(OutboxLane::routine, 2)};
    ledger.append(batch);
    Outbox outbox({dir / "ledger.db"});
    outbox.register_sinks(std::vector<OutboxSink>{{"old", kAllLanes}});
    CHECK(outbox.purge_done() == 0);
    outbox.register_sinks(std::vector<OutboxSink>{{"new", kAllLanes}});
    CHECK(outbox.sink_backlog("new").records == 2);
    CHECK(outbox.purge_done() == 0);
    outbox.confirm("new", ids_of(outbox.next("new", kAllLanes, 10)));
    CHECK(outbox.purge_done() == 2);
}

TEST_CASE("a full routine lane drops its oldest records and counts them", "[storage][outbox]") {
    TempDir dir;
    OutboxLimits limits;
    limits.of(OutboxLane::routine).max_bytes = 10'000;
    Ledger ledger(options(dir, limits));
    for (int i = 1; i <= 100; ++i) {
        LedgerBatch batch;
        batch.outbox = {entry(OutboxLane::routine, i, 400)};
        ledger.append(batch);
    }
    Outbox outbox({dir / "ledger.db"});
    outbox.register_sinks(std::vector<OutboxSink>{{"mqtt", kAllLanes}});
    const auto lanes = outbox.backlog();
    CHECK(lanes[2].bytes <= 10'000);
    CHECK(lanes[2].bytes > 9'000);
    const auto kept = outbox.next("mqtt", kAllLanes, 1000);
    REQUIRE(kept.size() == static_cast<std::size_t>(lanes[2].records));
    CHECK(kept.back().lane_seq == 100);              // the newest are kept ...
    CHECK(kept.front().lane_seq == 100 - lanes[2].records + 1);  // ... contiguously
    const auto counters = outbox.counters();
    CHECK(counters[2].dropped == 100 - lanes[2].records);
    CHECK(counters[2].dropped_bytes > 0);
    CHECK(counters[0].dropped == 0);
}

TEST_CASE("the alert lane never drops: beyond its hard cap new alerts are rejected, the batch still commits",
          "[storage][outbox]") {
    TempDir dir;
    OutboxLimits limits;
    limits.of(OutboxLane::alert).max_bytes = 5'000;
    limits.of(OutboxLane::alert).hard_cap_bytes = 10'000;
    Ledger ledger(options(dir, limits));
    std::int64_t rejected = 0;
    for (int i = 1; i <= 40; ++i) {
        LedgerBatch batch;
        batch.events = {event(i)};
        batch.outbox = {entry(OutboxLane::alert, i, 400), entry(OutboxLane::routine, i)};
        const auto outcomes = ledger.append(batch);
        CHECK(outcomes == std::vector{AppendOutcome::stored});
        rejected += ledger.last_outbox_append().rejected;
        CHECK(ledger.last_outbox_append().stored >= 1);  // the routine entry always goes in
    }
    CHECK(ledger.event_count() == 40);
    CHECK(rejected > 0);
    Outbox outbox({dir / "ledger.db", limits});
    outbox.register_sinks(std::vector<OutboxSink>{{"mqtt", kAllLanes}});
    const auto lanes = outbox.backlog();
    CHECK(lanes[0].bytes <= 10'000);
    CHECK(lanes[0].full);
    CHECK(lanes[0].records + rejected == 40);
    CHECK(lanes[2].records == 40);
    const auto counters = outbox.counters();
    CHECK(counters[0].rejected == rejected);
    CHECK(counters[0].dropped == 0);
    // The oldest alerts are all still there, numbered without gaps.
    const auto alerts = outbox.next("mqtt", std::vector{OutboxLane::alert}, 1000);
    REQUIRE_FALSE(alerts.empty());
    CHECK(alerts.front().lane_seq == 1);
    CHECK(alerts.back().lane_seq == static_cast<std::int64_t>(alerts.size()));
    CHECK(alerts.front().body_json.find(R"("n":1,)") != std::string::npos);
}

TEST_CASE("buffer_high shows before a lane is full", "[storage][outbox]") {
    TempDir dir;
    OutboxLimits limits;
    limits.of(OutboxLane::record).max_bytes = 10'000;
    limits.buffer_high_percent = 80;
    Ledger ledger(options(dir, limits));
    Outbox outbox({dir / "ledger.db", limits});
    bool saw_high_before_full = false;
    for (int i = 1; i <= 40; ++i) {
        LedgerBatch batch;
        batch.outbox = {entry(OutboxLane::record, i, 200)};
        ledger.append(batch);
        const auto lane = outbox.backlog()[1];
        CHECK(ledger.last_outbox_append().buffer_high == lane.high);
        if (lane.high && !lane.full) saw_high_before_full = true;
        CHECK(outbox.counters()[1].dropped == 0);
        if (lane.full) break;
    }
    CHECK(saw_high_before_full);
}

TEST_CASE("records past their lane's time-to-live expire, counted", "[storage][outbox]") {
    TempDir dir;
    OutboxLimits limits;
    limits.of(OutboxLane::routine).ttl = std::chrono::hours(1);
    Ledger ledger(options(dir, limits));
    const std::int64_t now = utc_now_ms();
    LedgerBatch old_batch;
    old_batch.outbox = {entry(OutboxLane::routine, 1, 0, now - 3 * 3'600'000), entry(OutboxLane::routine, 2, 0, now - 2 * 3'600'000),
                        entry(OutboxLane::alert, 3, 0, now - 3 * 3'600'000)};
    ledger.append(old_batch);
    CHECK(ledger.last_outbox_append().expired == 0);  // the lane was empty when the append looked
    Outbox outbox({dir / "ledger.db", limits});
    CHECK(outbox.expire(now) == 2);  // the forwarder expires them without waiting for an append

    ledger.append(old_batch);
    LedgerBatch fresh;
    fresh.outbox = {entry(OutboxLane::routine, 4, 0, now)};
    ledger.append(fresh);  // the append itself expires the stale rows at the old end of the lane it writes
    CHECK(ledger.last_outbox_append().expired == 2);

    const auto counters = outbox.counters();
    CHECK(counters[2].expired == 4);
    CHECK(counters[0].expired == 0);  // no TTL on the alert lane
    CHECK(outbox.backlog()[2].records == 1);
    CHECK(outbox.backlog()[0].records == 2);
}

TEST_CASE("the outbox refuses a file the daemon has not created", "[storage][outbox]") {
    TempDir dir;
    CHECK_THROWS_AS(Outbox({dir / "missing.db"}), LedgerError);
}
