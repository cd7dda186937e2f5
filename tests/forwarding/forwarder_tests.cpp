#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include <nlohmann/json.hpp>

#include "gatehouse/daemon/forwarding/forwarder.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "gatehouse/storage/outbox.hpp"
#include "http_receiver.hpp"
#include "mosquitto_broker.hpp"
#include "temp_dir.hpp"

using namespace gatehouse;
using namespace gatehouse::daemon::forwarding;
using namespace std::chrono_literals;
using storage::OutboxLane;
using Clock = std::chrono::steady_clock;

namespace {

const SinkIdentity kIdentity{"gw1", "east"};
const std::vector<OutboxLane> kAllLanes = {OutboxLane::alert, OutboxLane::record, OutboxLane::routine};

std::int64_t utc_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Polls `done` every 20 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
        if (Clock::now() > deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

/// Writes batches the way the gateway does: events and their outbox entries in one transaction.
class LedgerWriter {
public:
    LedgerWriter(const std::filesystem::path& path, storage::OutboxLimits limits = {}) : ledger_(options(path, limits)) {}

    /// One batch of `count` entries; lane by `lane_of(n)`; each with one event.
    storage::OutboxAppendReport append(int count, const std::function<OutboxLane(int)>& lane_of,
                                       std::size_t pad = 0) {
        storage::LedgerBatch batch;
        for (int i = 0; i < count; ++i) {
            const int n = ++written_;
            const OutboxLane lane = lane_of(n);
            batch.events.push_back({"t1", n, "g1", "credential", "P1", utc_now_ms(), utc_now_ms(), false, "{}"});
            const std::string kind = lane == OutboxLane::alert ? "fever" : lane == OutboxLane::record ? "decision" : "door";
            batch.outbox.push_back({lane, kind, "g1", utc_now_ms(),
                                    nlohmann::json{{"n", n}, {"pad", std::string(pad, 'p')}}.dump()});
        }
        ledger_.append(batch);
        return ledger_.last_outbox_append();
    }
    storage::Ledger& ledger() { return ledger_; }

private:
    static storage::LedgerOptions options(const std::filesystem::path& path, storage::OutboxLimits limits) {
        storage::LedgerOptions o;
        o.path = path;
        o.gateway_id = "gw1";
        o.outbox_limits = limits;
        return o;
    }
    storage::Ledger ledger_;
    int written_ = 0;
};

OutboxLane mixed_lane(int n) { return n % 3 == 0 ? OutboxLane::alert : n % 3 == 1 ? OutboxLane::record : OutboxLane::routine; }
OutboxLane routine_lane(int) { return OutboxLane::routine; }
OutboxLane alert_lane(int) { return OutboxLane::alert; }

ForwardingConfig fast_config() {
    ForwardingConfig c;
    c.enabled = true;
    c.retry_initial = 50ms;
    c.retry_max = 400ms;
    c.max_drain_rate = 0;
    return c;
}

SinkConfig mqtt_sink(int port, const std::string& client_id) {
    SinkConfig s;
    s.name = "mqtt";
    s.type = SinkType::mqtt;
    s.lanes = kAllLanes;
    s.mqtt.brokers = {{"127.0.0.1", port}};
    s.mqtt.client_id = client_id;
    s.mqtt.connect_timeout = 1000ms;
    s.mqtt.publish_timeout = 2000ms;
    s.mqtt.reconnect_max = 1s;
    return s;
}

SinkConfig webhook_sink(const std::string& url, std::vector<OutboxLane> lanes) {
    SinkConfig s;
    s.name = "webhook";
    s.type = SinkType::webhook;
    s.lanes = std::move(lanes);
    s.webhook.url = url;
    s.webhook.timeouts = {500ms, 2000ms};
    return s;
}

const SinkSnapshot& sink_in(const ForwarderSnapshot& s, const std::string& name) {
    for (const auto& sink : s.sinks) {
        if (sink.name == name) return sink;
    }
    throw std::runtime_error("no sink " + name + " in the snapshot");
}

/// Received MQTT record messages (not the status), in arrival order, as parsed envelopes.
std::vector<nlohmann::json> mqtt_records(test::MqttSubscriber& subscriber) {
    std::vector<nlohmann::json> out;
    for (const auto& m : subscriber.messages()) {
        if (!m.topic.ends_with("/status")) out.push_back(nlohmann::json::parse(m.payload));
    }
    return out;
}

std::set<std::string> keys_in(const std::vector<nlohmann::json>& records) {
    std::set<std::string> keys;
    for (const auto& r : records) keys.insert(r["key"].get<std::string>());
    return keys;
}

/// Keys gw1:<lane>:1..count for the lanes of `written` records numbered 1..written by `lane_of`.
std::set<std::string> expected_keys(int written, const std::function<OutboxLane(int)>& lane_of,
                                    const std::vector<OutboxLane>& lanes = kAllLanes) {
    std::map<OutboxLane, int> seq;
    std::set<std::string> keys;
    for (int n = 1; n <= written; ++n) {
        const OutboxLane lane = lane_of(n);
        const int s = ++seq[lane];
        if (std::find(lanes.begin(), lanes.end(), lane) != lanes.end()) {
            keys.insert("gw1:" + std::string(storage::to_string(lane)) + ":" + std::to_string(s));
        }
    }
    return keys;
}

/// At-least-once, in order: per lane the first arrivals come in sequence order, and a key seen twice
/// carries the same record both times.
void check_order_and_duplicates(const std::vector<nlohmann::json>& records) {
    std::map<std::string, std::int64_t> last_seq;
    std::map<std::string, nlohmann::json> first_seen;
    std::size_t duplicates = 0;
    for (const auto& r : records) {
        const std::string key = r["key"];
        if (const auto it = first_seen.find(key); it != first_seen.end()) {
            ++duplicates;
            CHECK(it->second == r);
            continue;
        }
        first_seen[key] = r;
        const std::string lane = r["lane"];
        const std::int64_t seq = r["seq"];
        CHECK(seq > last_seq[lane]);
        last_seq[lane] = seq;
    }
    UNSCOPED_INFO("duplicates: " << duplicates);
}

std::set<std::string> webhook_keys(test::HttpReceiver& receiver) {
    std::set<std::string> keys;
    for (const auto& request : receiver.requests()) {
        const auto batch = nlohmann::json::parse(request.body);
        for (const auto& r : batch["records"]) keys.insert(r["key"].get<std::string>());
    }
    return keys;
}

}  // namespace

TEST_CASE("forwarder: every record reaches every sink that takes its lane, then leaves the outbox",
          "[forwarding][forwarder]") {
    test::TempDir dir;
    test::MosquittoBroker broker(dir / "broker");
    test::MqttSubscriber subscriber(broker.port(), "gatehouse/east/gw1/+/#");
    test::HttpReceiver receiver;
    LedgerWriter writer(dir / "ledger.db");

    ForwardingConfig config = fast_config();
    config.sinks = {mqtt_sink(broker.port(), "gw1-every"), webhook_sink(receiver.url(), {OutboxLane::alert, OutboxLane::record})};
    Forwarder forwarder(config, dir / "ledger.db", kIdentity);
    for (int batch = 0; batch < 10; ++batch) {
        writer.append(30, mixed_lane);
        forwarder.wake();
    }
    const auto all = expected_keys(300, mixed_lane);
    REQUIRE(eventually([&] { return keys_in(mqtt_records(subscriber)) == all; }));
    const auto alerts_and_records = expected_keys(300, mixed_lane, {OutboxLane::alert, OutboxLane::record});
    const bool webhook_has_all = eventually([&] { return webhook_keys(receiver) == alerts_and_records; });
    INFO("webhook got " << webhook_keys(receiver).size() << " keys of " << alerts_and_records.size() << " in "
                        << receiver.requests().size() << " requests; first key "
                        << (webhook_keys(receiver).empty() ? "" : *webhook_keys(receiver).begin()));
    REQUIRE(webhook_has_all);
    check_order_and_duplicates(mqtt_records(subscriber));

    // Confirmed by both (the sinks' own counters), then purged (the outbox figures, refreshed twice a second).
    REQUIRE(eventually([&] {
        const auto s = forwarder.snapshot();
        return sink_in(s, "mqtt").delivered == 300 && sink_in(s, "webhook").delivered == 200;
    }));
    REQUIRE(eventually([&] {
        const auto s = forwarder.snapshot();
        return s.lanes[0].records == 0 && s.lanes[1].records == 0 && s.lanes[2].records == 0 &&
               sink_in(s, "mqtt").unconfirmed == 0 && sink_in(s, "webhook").unconfirmed == 0 &&
               sink_in(s, "mqtt").delivered_total == 300 && sink_in(s, "webhook").delivered_total == 200;
    }));
    const auto s = forwarder.snapshot();
    CHECK(s.outbox_read_age < 2s);
    CHECK(sink_in(s, "webhook").lanes == std::vector{OutboxLane::alert, OutboxLane::record});
    CHECK(sink_in(s, "mqtt").connected);
    CHECK(sink_in(s, "mqtt").last_error.empty());
    CHECK_FALSE(s.buffer_high);
    CHECK(s.storage_error.empty());
}

TEST_CASE("forwarder: a broker outage under load loses nothing, order per lane kept, duplicates keep their key",
          "[forwarding][forwarder]") {
    test::TempDir dir;
    test::MosquittoBroker broker(dir / "broker");
    test::MqttSubscriber subscriber(broker.port(), "gatehouse/east/gw1/+/#", "outage-subscriber", /*clean_session=*/false);
    LedgerWriter writer(dir / "ledger.db");
    ForwardingConfig config = fast_config();
    config.sinks = {mqtt_sink(broker.port(), "gw1-outage")};
    Forwarder forwarder(config, dir / "ledger.db", kIdentity);

    int written = 0;
    const auto keep_appending = [&](std::chrono::milliseconds for_how_long) {
        const auto until = Clock::now() + for_how_long;
        while (Clock::now() < until) {
            writer.append(20, mixed_lane);
            written += 20;
            forwarder.wake();
            std::this_thread::sleep_for(10ms);  // the pace of the load, not a synchronisation
        }
    };
    keep_appending(400ms);
    broker.stop();
    keep_appending(1500ms);
    REQUIRE(eventually([&] { return sink_in(forwarder.snapshot(), "mqtt").activity == SinkActivity::backing_off; }));
    CHECK_FALSE(sink_in(forwarder.snapshot(), "mqtt").last_error.empty());
    broker.start();
    keep_appending(400ms);

    const auto all = expected_keys(written, mixed_lane);
    REQUIRE(eventually([&] { return keys_in(mqtt_records(subscriber)) == all; }, 20s));
    const auto records = mqtt_records(subscriber);
    CHECK(records.size() >= all.size());
    check_order_and_duplicates(records);
    REQUIRE(eventually([&] { return sink_in(forwarder.snapshot(), "mqtt").unconfirmed == 0; }));
    CHECK(sink_in(forwarder.snapshot(), "mqtt").retries > 0);
}

TEST_CASE("forwarder: destroyed mid-drain, a new forwarder on the same ledger delivers the rest",
          "[forwarding][forwarder]") {
    test::TempDir dir;
    test::MosquittoBroker broker(dir / "broker");
    test::MqttSubscriber subscriber(broker.port(), "gatehouse/east/gw1/+/#");
    LedgerWriter writer(dir / "ledger.db");
    for (int i = 0; i < 20; ++i) writer.append(100, routine_lane);

    ForwardingConfig config = fast_config();
    config.max_drain_rate = 1000;  // the 2,000 queued records take about two seconds
    config.sinks = {mqtt_sink(broker.port(), "gw1-restart")};
    {
        auto first = std::make_unique<Forwarder>(config, dir / "ledger.db", kIdentity);
        REQUIRE(eventually([&] { return mqtt_records(subscriber).size() >= 300; }));
        const auto started = Clock::now();
        first.reset();
        CHECK(Clock::now() - started < 3s);
    }
    const auto delivered_before = keys_in(mqtt_records(subscriber)).size();
    CHECK(delivered_before < 2000);  // it really stopped mid-drain

    Forwarder second(config, dir / "ledger.db", kIdentity);
    const auto all = expected_keys(2000, routine_lane);
    REQUIRE(eventually([&] { return keys_in(mqtt_records(subscriber)) == all; }, 15s));
    check_order_and_duplicates(mqtt_records(subscriber));
    REQUIRE(eventually([&] { return second.snapshot().lanes[2].records == 0; }));
}

TEST_CASE("forwarder: stops within 3 s even when its upstream cannot be reached", "[forwarding][forwarder]") {
    test::TempDir dir;
    LedgerWriter writer(dir / "ledger.db");
    writer.append(10, mixed_lane);
    ForwardingConfig config = fast_config();
    config.sinks = {mqtt_sink(test::free_loopback_port(), "gw1-unreachable")};
    auto forwarder = std::make_unique<Forwarder>(config, dir / "ledger.db", kIdentity);
    REQUIRE(eventually([&] { return sink_in(forwarder->snapshot(), "mqtt").retries > 0; }));
    const auto s = forwarder->snapshot();
    CHECK_THAT(sink_in(s, "mqtt").last_error, Catch::Contains("not connected"));
    CHECK_FALSE(sink_in(s, "mqtt").connected);
    REQUIRE(eventually([&] { return sink_in(forwarder->snapshot(), "mqtt").unconfirmed == 10; }));
    const auto started = Clock::now();
    forwarder.reset();
    CHECK(Clock::now() - started < 3s);
}

TEST_CASE("forwarder: buffer_high before a lane is full, routine drops its oldest, alerts are rejected at the hard "
          "cap while events still commit",
          "[forwarding][forwarder]") {
    test::TempDir dir;
    storage::OutboxLimits limits;
    limits.of(OutboxLane::routine).max_bytes = 40'000;
    limits.of(OutboxLane::alert).max_bytes = 10'000;
    limits.of(OutboxLane::alert).hard_cap_bytes = 20'000;
    limits.buffer_high_percent = 80;
    LedgerWriter writer(dir / "ledger.db", limits);
    ForwardingConfig config = fast_config();
    config.limits = limits;
    config.sinks = {mqtt_sink(test::free_loopback_port(), "gw1-full")};  // nobody listens: the outbox fills up
    Forwarder forwarder(config, dir / "ledger.db", kIdentity);

    // About 335 bytes a record: 110 routine records are ~37 kB, above 80 % of 40 kB and not yet full.
    for (int i = 0; i < 11; ++i) writer.append(10, routine_lane, 250);
    REQUIRE(eventually([&] { return forwarder.snapshot().buffer_high; }));
    auto s = forwarder.snapshot();
    CHECK(s.high_lanes == std::vector{OutboxLane::routine});
    CHECK(s.lanes[2].high);
    CHECK_FALSE(s.lanes[2].full);
    CHECK(s.dropped == 0);
    CHECK(s.lanes[2].oldest_age);

    std::int64_t dropped = 0;
    for (int i = 0; i < 10; ++i) dropped += writer.append(10, routine_lane, 250).dropped;
    CHECK(dropped > 0);
    REQUIRE(eventually([&] { return forwarder.snapshot().lanes[2].dropped == dropped; }));
    s = forwarder.snapshot();
    CHECK(s.lanes[2].bytes <= 40'000);
    CHECK(s.lanes[2].records == 210 - dropped);
    CHECK(s.dropped == dropped);

    std::int64_t rejected = 0;
    for (int i = 0; i < 10; ++i) rejected += writer.append(10, alert_lane, 250).rejected;
    CHECK(rejected > 0);
    CHECK(writer.ledger().event_count() == 310);  // every event committed, rejected alerts or not
    REQUIRE(eventually([&] { return forwarder.snapshot().rejected == rejected; }));
    s = forwarder.snapshot();
    CHECK(s.lanes[0].rejected == rejected);
    CHECK(s.lanes[0].dropped == 0);
    CHECK(s.lanes[0].records == 100 - rejected);
    CHECK(s.lanes[0].bytes <= 20'000);
    CHECK(s.lanes[0].full);
    CHECK(s.high_lanes == std::vector{OutboxLane::alert, OutboxLane::routine});
    CHECK(sink_in(s, "mqtt").unconfirmed == s.lanes[0].records + s.lanes[2].records);
}

TEST_CASE("forwarder: a webhook answering 500 then 200 gets the records again, and they are delivered",
          "[forwarding][forwarder]") {
    test::TempDir dir;
    test::HttpReceiver receiver([](const test::ReceivedRequest&, std::size_t index) {
        return index == 0 ? test::Answer{500, R"({"error":"database down"})"} : test::Answer{200, "{}"};
    });
    LedgerWriter writer(dir / "ledger.db");
    writer.append(5, [](int) { return OutboxLane::record; });
    ForwardingConfig config = fast_config();
    config.sinks = {webhook_sink(receiver.url(), kAllLanes)};
    Forwarder forwarder(config, dir / "ledger.db", kIdentity);
    REQUIRE(eventually([&] {
        const auto s = sink_in(forwarder.snapshot(), "webhook");
        return s.delivered == 5 && s.unconfirmed == 0;
    }));
    const auto requests = receiver.requests();
    REQUIRE(requests.size() == 2);
    CHECK(nlohmann::json::parse(requests[0].body)["records"] == nlohmann::json::parse(requests[1].body)["records"]);
    const auto s = sink_in(forwarder.snapshot(), "webhook");
    CHECK(s.retries == 5);
    CHECK(s.dead_letters == 0);
    CHECK(s.connected);
}

TEST_CASE("forwarder: a webhook answering 400 dead-letters the record, which is never sent again",
          "[forwarding][forwarder]") {
    test::TempDir dir;
    test::HttpReceiver receiver([](const test::ReceivedRequest&, std::size_t) {
        return test::Answer{400, R"({"error":"unknown field pad"})"};
    });
    LedgerWriter writer(dir / "ledger.db");
    writer.append(1, [](int) { return OutboxLane::record; });
    ForwardingConfig config = fast_config();
    config.sinks = {webhook_sink(receiver.url(), kAllLanes)};
    Forwarder forwarder(config, dir / "ledger.db", kIdentity);
    REQUIRE(eventually([&] { return sink_in(forwarder.snapshot(), "webhook").dead_letters == 1; }));
    REQUIRE(eventually([&] { return forwarder.snapshot().lanes[1].records == 0; }));  // done: purged

    storage::Outbox outbox({dir / "ledger.db"});
    const auto letters = outbox.dead_letters("webhook");
    REQUIRE(letters.size() == 1);
    CHECK(letters[0].record.key == "gw1:record:1");
    CHECK_THAT(letters[0].detail, Catch::Contains("HTTP 400") && Catch::Contains("unknown field pad"));
    // Several retry periods later there has still been only the one request.
    std::this_thread::sleep_for(config.retry_max * 2);
    CHECK(receiver.requests().size() == 1);
    CHECK(sink_in(forwarder.snapshot(), "webhook").retries == 0);
}

TEST_CASE("forwarder: a chat robot that hangs does not slow MQTT delivery", "[forwarding][forwarder]") {
    test::TempDir dir;
    test::MosquittoBroker broker(dir / "broker");
    test::MqttSubscriber subscriber(broker.port(), "gatehouse/east/gw1/+/#");
    std::mutex mutex;
    std::condition_variable released_changed;
    bool released = false;
    test::HttpReceiver robot([&](const test::ReceivedRequest&, std::size_t) {
        std::unique_lock lock(mutex);
        released_changed.wait_for(lock, 120s, [&] { return released; });
        return test::Answer{200, R"({"errcode":0,"errmsg":"ok"})"};
    });
    const auto release = [&] {
        {
            std::lock_guard lock(mutex);
            released = true;
        }
        released_changed.notify_all();
    };
    LedgerWriter writer(dir / "ledger.db");
    ForwardingConfig config = fast_config();
    SinkConfig chat;
    chat.name = "duty-wecom";
    chat.type = SinkType::wecom;
    chat.lanes = {OutboxLane::alert};
    chat.max_batch = 50;
    chat.chat.url = robot.url("/cgi-bin/webhook/send?key=test");
    chat.chat.timeouts = {500ms, 120000ms};
    config.sinks = {mqtt_sink(broker.port(), "gw1-chat"), chat};
    {
        Forwarder forwarder(config, dir / "ledger.db", kIdentity);
        writer.append(1, alert_lane);
        forwarder.wake();
        REQUIRE(eventually([&] { return !robot.requests().empty(); }, 5s));  // the robot now holds the chat sink
        const auto started = Clock::now();
        for (int i = 0; i < 10; ++i) {
            writer.append(20, alert_lane);
            forwarder.wake();
        }
        const auto all = expected_keys(201, alert_lane);
        // The robot holds its request for up to two minutes: MQTT delivering everything while the chat sink is still
        // waiting is what shows that one stuck sink does not hold the others (no time bound, which a loaded
        // sanitizer build would make a coin toss).
        REQUIRE(eventually([&] { return keys_in(mqtt_records(subscriber)) == all; }, 60s));
        INFO("MQTT delivered 201 records in " << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()
                                              << " ms while the robot held the chat sink");
        const auto s = forwarder.snapshot();
        CHECK(sink_in(s, "duty-wecom").activity == SinkActivity::delivering);
        CHECK(sink_in(s, "duty-wecom").delivered == 0);
        release();
    }
    release();
}

TEST_CASE("forwarding configuration: lanes, caps, retries and drain rate", "[forwarding][config]") {
    const auto parse = [](const std::string& text) {
        const std::string source = "gatehouse.toml";
        return read_forwarding_config(toml::parse(std::string_view(text), source), source);
    };
    const auto defaults = parse("");
    CHECK(defaults.enabled);
    CHECK_FALSE(defaults.active());  // no sinks
    CHECK(defaults.limits.of(OutboxLane::alert).max_bytes == 64 * 1024 * 1024);
    CHECK(defaults.limits.of(OutboxLane::alert).effective_hard_cap() == 128 * 1024 * 1024);
    CHECK(defaults.limits.of(OutboxLane::record).max_bytes == 256 * 1024 * 1024);
    CHECK(defaults.limits.of(OutboxLane::routine).max_bytes == 512 * 1024 * 1024);
    CHECK_FALSE(defaults.limits.of(OutboxLane::routine).ttl);
    CHECK(defaults.retry_initial == 1000ms);
    CHECK(defaults.retry_max == 300000ms);
    CHECK(defaults.max_drain_rate == 500);
    CHECK(defaults.limits.buffer_high_percent == 80);

    const auto c = parse(R"(
buffer_high_percent = 70
retry_initial_ms = 500
retry_max_ms = 60000
max_drain_rate = 0
[lanes.alert]
max_mb = 16
hard_cap_mb = 32
[lanes.routine]
max_mb = 100
ttl_hours = 72
[[sinks]]
type = "mqtt"
host = "127.0.0.1"
)");
    CHECK(c.active());
    REQUIRE(c.sinks.size() == 1);
    CHECK(c.limits.buffer_high_percent == 70);
    CHECK(c.retry_initial == 500ms);
    CHECK(c.retry_max == 60000ms);
    CHECK(c.max_drain_rate == 0);
    CHECK(c.limits.of(OutboxLane::alert).max_bytes == 16 * 1024 * 1024);
    CHECK(c.limits.of(OutboxLane::alert).hard_cap_bytes == 32 * 1024 * 1024);
    CHECK(c.limits.of(OutboxLane::routine).max_bytes == 100 * 1024 * 1024);
    CHECK(c.limits.of(OutboxLane::routine).ttl == std::chrono::hours(72));
    CHECK(parse("enabled = false\n[[sinks]]\ntype = \"mqtt\"\n").active() == false);
    CHECK(parse("[lanes.alert]\nmax_mb = 200\n").limits.of(OutboxLane::alert).hard_cap_bytes == 200 * 1024 * 1024);

    CHECK_THROWS_WITH(parse("[lanes.alert]\nmax_mb = 64\nhard_cap_mb = 32\n"),
                      Catch::Contains("gatehouse.toml:3:") && Catch::Contains("forwarding.lanes.alert.hard_cap_mb"));
    CHECK_THROWS_WITH(parse("[lanes.routine]\nhard_cap_mb = 32\n"), Catch::Contains("hard_cap_mb: unknown key"));
    CHECK_THROWS_WITH(parse("[lanes.bulk]\nmax_mb = 1\n"), Catch::Contains("forwarding.lanes.bulk: unknown key"));
    CHECK_THROWS_WITH(parse("retry_initial_ms = 5000\nretry_max_ms = 1000\n"), Catch::Contains("retry_max_ms"));
    CHECK_THROWS_WITH(parse("max_drain_rate = -1\n"), Catch::Contains("max_drain_rate"));
    CHECK_THROWS_WITH(parse("buffer_high_percent = 100\n"), Catch::Contains("buffer_high_percent"));
    CHECK_THROWS_WITH(parse("retry_ms = 5\n"), Catch::Contains("forwarding.retry_ms: unknown key"));
}

TEST_CASE("forwarding configuration in the gateway file", "[forwarding][config]") {
    const auto config = daemon::parse_config(R"(
[forwarding]
max_drain_rate = 250
[forwarding.lanes.record]
max_mb = 128
[[forwarding.sinks]]
type = "webhook"
url = "http://127.0.0.1:9/hook"
)", "gw.toml");
    CHECK(config.forwarding.active());
    CHECK(config.forwarding.max_drain_rate == 250);
    CHECK(config.forwarding.limits.of(OutboxLane::record).max_bytes == 128 * 1024 * 1024);
    CHECK_FALSE(daemon::parse_config("", "gw.toml").forwarding.active());
}
