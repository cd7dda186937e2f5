#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "gatehouse/daemon/forwarding/mqtt_sink.hpp"
#include "mosquitto_broker.hpp"
#include "mqtt_sink_config.hpp"
#include "outbox_records.hpp"
#include "temp_dir.hpp"

using namespace gatehouse;
using namespace gatehouse::daemon::forwarding;
using namespace std::chrono_literals;
using storage::OutboxLane;

namespace {

const SinkIdentity kIdentity{"gw1", "east"};

SinkConfig mqtt_config(int port, const std::string& client_id) { return test::test_mqtt_sink_config(port, client_id); }

/// Records of all three lanes: alerts, decisions and heartbeats, numbered from `first`.
std::vector<storage::OutboxRecord> mixed_records(int first, int count) {
    std::vector<storage::OutboxRecord> out;
    for (int i = first; i < first + count; ++i) {
        switch (i % 3) {
            case 0: out.push_back(test::alert_record(i)); break;
            case 1:
                out.push_back(test::outbox_record(OutboxLane::record, i, "decision", "g2", {{"verdict", "granted"}, {"n", i}}));
                break;
            default:
                out.push_back(test::outbox_record(OutboxLane::routine, i, "heartbeat", "g1", {{"terminal", "t1"}, {"n", i}}));
        }
    }
    return out;
}

/// Record messages (not the gateway status) by idempotency key.
std::map<std::string, test::MqttMessage> records_by_key(const std::vector<test::MqttMessage>& messages) {
    std::map<std::string, test::MqttMessage> out;
    for (const auto& m : messages) {
        if (m.topic.ends_with("/status")) continue;
        out[nlohmann::json::parse(m.payload)["key"]] = m;
    }
    return out;
}

std::size_t record_count(const std::vector<test::MqttMessage>& messages) {
    return static_cast<std::size_t>(std::count_if(messages.begin(), messages.end(),
                                                  [](const auto& m) { return !m.topic.ends_with("/status"); }));
}

}  // namespace

TEST_CASE("mqtt: every record arrives on its topic with its key, the status is retained", "[forwarding][mqtt]") {
    test::TempDir dir;
    test::MosquittoBroker broker(dir.path());
    test::MqttSubscriber subscriber(broker.port(), "gatehouse/#");

    const auto records = mixed_records(1, 30);
    {
        MqttSink sink(mqtt_config(broker.port(), "gw1-test-every"), kIdentity);
        CHECK(sink.topic_for(records[0]) == "gatehouse/east/gw1/record/decision");
        CHECK(sink.status_topic() == "gatehouse/east/gw1/status");

        const DeliveryReport report = sink.deliver(records);
        CHECK(report.statuses == std::vector(records.size(), DeliveryStatus::delivered));
        CHECK(report.detail.empty());

        REQUIRE(subscriber.wait_until([&](const auto& m) { return record_count(m) >= records.size(); }));
        const auto by_key = records_by_key(subscriber.messages());
        REQUIRE(by_key.size() == records.size());
        for (const auto& r : records) {
            const auto& m = by_key.at(r.key);
            CHECK(m.topic == "gatehouse/east/gw1/" + std::string(storage::to_string(r.lane)) + "/" + r.kind);
            const auto payload = nlohmann::json::parse(m.payload);
            CHECK(payload["lane"] == storage::to_string(r.lane));
            CHECK(payload["seq"] == r.lane_seq);
            CHECK(payload["gate"] == r.gate);
            CHECK(payload["created_ms"] == r.created_ms);
            CHECK(payload["record"].contains("n") == (r.lane != OutboxLane::alert));  // the body, unchanged
        }
        // Order within each lane as given.
        std::map<std::string, std::int64_t> last_seq;
        for (const auto& m : subscriber.messages()) {
            if (m.topic.ends_with("/status")) continue;
            const auto p = nlohmann::json::parse(m.payload);
            auto& last = last_seq[p["lane"]];
            CHECK(p["seq"].get<std::int64_t>() > last);
            last = p["seq"];
        }
        const auto status = subscriber.messages();
        const auto online = std::find_if(status.begin(), status.end(), [](const auto& m) { return m.topic.ends_with("/status"); });
        REQUIRE(online != status.end());
        CHECK(nlohmann::json::parse(online->payload)["state"] == "online");
    }
    // A clean shutdown says "offline" itself (a clean DISCONNECT discards the will).
    test::MqttSubscriber late(broker.port(), "gatehouse/east/gw1/status");
    REQUIRE(late.wait_until([](const auto& m) { return !m.empty(); }, 3s));
    const auto retained = late.messages().front();
    CHECK(retained.retained);
    CHECK(nlohmann::json::parse(retained.payload)["state"] == "offline");
    CHECK(nlohmann::json::parse(retained.payload)["reason"] == "shutdown");
}

TEST_CASE("mqtt: a record whose body is not JSON is rejected, the rest delivered", "[forwarding][mqtt]") {
    test::TempDir dir;
    test::MosquittoBroker broker(dir.path());
    MqttSink sink(mqtt_config(broker.port(), "gw1-test-poison"), kIdentity);
    auto records = mixed_records(1, 3);
    records[1].body_json = "[1,2";
    const DeliveryReport report = sink.deliver(records);
    CHECK(report.statuses == std::vector{DeliveryStatus::delivered, DeliveryStatus::rejected, DeliveryStatus::delivered});
    CHECK_THAT(report.detail, Catch::Contains(records[1].key));
}

TEST_CASE("mqtt: pipelined batches are published back to back and settle in the order handed over",
          "[forwarding][mqtt]") {
    test::TempDir dir;
    test::MosquittoBroker broker(dir.path());
    test::MqttSubscriber subscriber(broker.port(), "gatehouse/#");
    MqttSink sink(mqtt_config(broker.port(), "gw1-test-pipelined"), kIdentity);
    PipelinedSink* pipelined = sink.pipelined();
    REQUIRE(pipelined != nullptr);

    // Three batches handed over before any outcome is taken back (window 10: most wait in the library).
    auto first = mixed_records(1, 40);
    first[7].body_json = "not json";
    const auto second = mixed_records(41, 40);
    const auto third = mixed_records(81, 40);
    pipelined->submit(first);
    pipelined->submit(second);
    pipelined->submit(third);

    std::vector<DeliveryStatus> statuses;
    std::string details;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (statuses.size() < 120 && std::chrono::steady_clock::now() < deadline) {
        const DeliveryReport part = pipelined->collect(30, deadline);
        CHECK(part.statuses.size() <= 120 - statuses.size());
        statuses.insert(statuses.end(), part.statuses.begin(), part.statuses.end());
        details += part.detail;
    }
    REQUIRE(statuses.size() == 120);
    for (std::size_t i = 0; i < statuses.size(); ++i) {
        CHECK(statuses[i] == (i == 7 ? DeliveryStatus::rejected : DeliveryStatus::delivered));
    }
    CHECK_THAT(details, Catch::Contains(first[7].key));
    // Nothing left behind: a synchronous delivery afterwards is not mixed up with the pipelined ones.
    const auto after = mixed_records(121, 3);
    CHECK(sink.deliver(after).statuses == std::vector(after.size(), DeliveryStatus::delivered));

    REQUIRE(subscriber.wait_until([&](const auto& m) { return record_count(m) >= 122; }));
    std::map<std::string, std::int64_t> last_seq;
    for (const auto& m : subscriber.messages()) {
        if (m.topic.ends_with("/status")) continue;
        const auto p = nlohmann::json::parse(m.payload);
        auto& last = last_seq[p["lane"]];
        CHECK(p["seq"].get<std::int64_t>() > last);  // order within each lane kept across batches
        last = p["seq"];
    }
}

TEST_CASE("mqtt: records in flight when the broker goes away are retry_later, none lost in the count",
          "[forwarding][mqtt]") {
    test::TempDir dir;
    test::MosquittoBroker broker(dir.path());
    auto config = mqtt_config(broker.port(), "gw1-test-inflight-lost");
    config.mqtt.max_inflight = 2;
    MqttSink sink(config, kIdentity);
    PipelinedSink* pipelined = sink.pipelined();
    REQUIRE(pipelined != nullptr);
    REQUIRE(sink.deliver(mixed_records(1, 1)).statuses.front() == DeliveryStatus::delivered);

    const auto records = mixed_records(2, 400);
    pipelined->submit(records);
    broker.stop();
    const auto start = std::chrono::steady_clock::now();
    std::vector<DeliveryStatus> statuses;
    std::string detail;
    while (statuses.size() < records.size() && std::chrono::steady_clock::now() - start < 5s) {
        const DeliveryReport part = pipelined->collect(records.size(), start + 5s);
        statuses.insert(statuses.end(), part.statuses.begin(), part.statuses.end());
        if (!part.detail.empty()) detail = part.detail;
    }
    // Every record has an outcome, quickly (not after publish_timeout); whatever the broker acknowledged
    // before it went is delivered, the rest is to be sent again.
    REQUIRE(statuses.size() == records.size());
    CHECK(std::chrono::steady_clock::now() - start < 4500ms);  // below the 5 s publish_timeout
    const auto retry = std::count(statuses.begin(), statuses.end(), DeliveryStatus::retry_later);
    const auto delivered = std::count(statuses.begin(), statuses.end(), DeliveryStatus::delivered);
    CHECK(retry + delivered == static_cast<std::ptrdiff_t>(records.size()));
    if (retry > 0) CHECK_THAT(detail, Catch::Contains("connection lost"));
}

TEST_CASE("mqtt: broker down is retry_later at once, after a restart delivery resumes, nothing lost",
          "[forwarding][mqtt]") {
    test::TempDir dir;
    test::MosquittoBroker broker(dir.path());
    // A persistent subscriber: the broker keeps its subscription and queue across the restart.
    auto subscriber = std::make_unique<test::MqttSubscriber>(broker.port(), "gatehouse/#", "platform", false);
    MqttSink sink(mqtt_config(broker.port(), "gw1-test-restart"), kIdentity);

    const auto before = mixed_records(1, 20);
    CHECK(sink.deliver(before).statuses == std::vector(before.size(), DeliveryStatus::delivered));

    broker.stop();
    const auto during = mixed_records(21, 20);
    const std::string broker_address = "127.0.0.1:" + std::to_string(broker.port());
    for (int attempt = 0; attempt < 3; ++attempt) {
        const auto start = std::chrono::steady_clock::now();
        const DeliveryReport down = sink.deliver(during);
        CHECK(std::chrono::steady_clock::now() - start < 4500ms);  // below the 5 s publish_timeout
        CHECK(down.statuses == std::vector(during.size(), DeliveryStatus::retry_later));
        // Whether the sink's network thread noticed the broker's end before this call (not connected) or
        // only while the messages were on their way (connection lost) is a race with no wrong answer; the
        // contract is a quick retry_later whose detail says what happened and to which broker.
        CHECK_THAT(down.detail, Catch::Contains("not connected") || Catch::Contains("connection lost"));
        CHECK_THAT(down.detail, Catch::Contains(broker_address));
    }

    broker.start();
    DeliveryReport resumed;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    do {
        resumed = sink.deliver(during);
        if (resumed.statuses.front() != DeliveryStatus::delivered) std::this_thread::sleep_for(100ms);
    } while (resumed.statuses.front() != DeliveryStatus::delivered && std::chrono::steady_clock::now() < deadline);
    CHECK(resumed.statuses == std::vector(during.size(), DeliveryStatus::delivered));

    const std::size_t expected = before.size() + during.size();
    REQUIRE(subscriber->wait_until([&](const auto& m) { return records_by_key(m).size() >= expected; }, 10s));
    const auto by_key = records_by_key(subscriber->messages());
    for (const auto& r : before) CHECK(by_key.count(r.key) == 1);
    for (const auto& r : during) CHECK(by_key.count(r.key) == 1);
}

TEST_CASE("mqtt: the broker publishes the retained offline will when the gateway process dies",
          "[forwarding][mqtt]") {
    test::TempDir dir;
    test::MosquittoBroker broker(dir.path());

    // The sink lives in a child process that is killed with SIGKILL: no DISCONNECT, no goodbye.
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // The child never returns into Catch2: whatever happens, it ends with _exit.
        ::close(ready[0]);
        try {
            MqttSink sink(mqtt_config(broker.port(), "gw1-test-will"), kIdentity);
            const auto records = mixed_records(1, 1);
            const bool ok = sink.deliver(records).statuses.front() == DeliveryStatus::delivered;
            const char byte = ok ? '1' : '0';
            (void)!::write(ready[1], &byte, 1);
            ::pause();
        } catch (...) {
            (void)!::write(ready[1], "0", 1);
        }
        ::_exit(0);
    }
    ::close(ready[1]);
    struct ChildReaper {  // kills and reaps the child even when an assertion below fails
        pid_t pid;
        ~ChildReaper() {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    } reaper{child};
    pollfd wait_ready{ready[0], POLLIN, 0};
    REQUIRE(::poll(&wait_ready, 1, 5000) == 1);
    char byte = 0;
    REQUIRE(::read(ready[0], &byte, 1) == 1);
    ::close(ready[0]);
    REQUIRE(byte == '1');

    test::MqttSubscriber watcher(broker.port(), "gatehouse/east/gw1/status");
    REQUIRE(watcher.wait_until([](const auto& m) { return !m.empty(); }, 3s));
    CHECK(nlohmann::json::parse(watcher.messages().front().payload)["state"] == "online");

    ::kill(child, SIGKILL);
    REQUIRE(watcher.wait_until(
        [](const auto& m) { return nlohmann::json::parse(m.back().payload)["state"] == "offline"; }, 5s));
    const auto will = nlohmann::json::parse(watcher.messages().back().payload);
    CHECK(will["reason"] == "connection lost");
    CHECK(will["gateway"] == "gw1");

    test::MqttSubscriber later(broker.port(), "gatehouse/east/gw1/status");
    REQUIRE(later.wait_until([](const auto& m) { return !m.empty(); }, 3s));
    CHECK(later.messages().front().retained);
    CHECK(nlohmann::json::parse(later.messages().front().payload)["state"] == "offline");
}

TEST_CASE("mqtt: with several brokers the sink fails over to the next when its broker goes, and back round",
          "[forwarding][mqtt][fleet]") {
    test::TempDir dir;
    test::MosquittoBroker first(dir / "first");
    test::MosquittoBroker second(dir / "second");
    const std::string first_address = "127.0.0.1:" + std::to_string(first.port());
    const std::string second_address = "127.0.0.1:" + std::to_string(second.port());
    auto on_first = std::make_unique<test::MqttSubscriber>(first.port(), "gatehouse/#", "platform-1", false);
    test::MqttSubscriber on_second(second.port(), "gatehouse/#", "platform-2", false);
    SinkConfig config = mqtt_config(first.port(), "gw1-test-failover");
    config.mqtt.brokers = {{"127.0.0.1", first.port()}, {"127.0.0.1", second.port()}};
    config.mqtt.reconnect_max = 1s;
    MqttSink sink(config, kIdentity);

    const auto before = mixed_records(1, 20);
    CHECK(sink.deliver(before).statuses == std::vector(before.size(), DeliveryStatus::delivered));
    CHECK(sink.endpoint() == first_address);

    first.stop();
    // The first delivery after the loss may be retry_later (the loss noticed with the messages on their way);
    // the sink is on the second broker within a couple of attempts, with no backoff of its own in between.
    const auto during = mixed_records(21, 20);
    DeliveryReport report;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    do {
        report = sink.deliver(during);
    } while (report.statuses.front() != DeliveryStatus::delivered && std::chrono::steady_clock::now() < deadline);
    CHECK(report.statuses == std::vector(during.size(), DeliveryStatus::delivered));
    CHECK(sink.endpoint() == second_address);
    REQUIRE(on_second.wait_until([&](const auto& m) { return records_by_key(m).size() >= during.size(); }, 10s));
    for (const auto& r : during) CHECK(records_by_key(on_second.messages()).count(r.key) == 1);

    // Its node back and the other gone: round the list to the first again.
    first.start();
    second.stop();
    const auto after = mixed_records(41, 20);
    const auto deadline_after = std::chrono::steady_clock::now() + 10s;
    do {
        report = sink.deliver(after);
    } while (report.statuses.front() != DeliveryStatus::delivered && std::chrono::steady_clock::now() < deadline_after);
    CHECK(report.statuses == std::vector(after.size(), DeliveryStatus::delivered));
    CHECK(sink.endpoint() == first_address);
    REQUIRE(on_first->wait_until(
        [&](const auto& m) { return records_by_key(m).size() >= before.size() + after.size(); }, 10s));
    const auto by_key = records_by_key(on_first->messages());
    for (const auto& r : before) CHECK(by_key.count(r.key) == 1);
    for (const auto& r : after) CHECK(by_key.count(r.key) == 1);
}

TEST_CASE("mqtt: a dead first broker of the list does not stop delivery", "[forwarding][mqtt][fleet]") {
    test::TempDir dir;
    test::MosquittoBroker live(dir / "live");
    test::MqttSubscriber subscriber(live.port(), "gatehouse/#", "platform", false);
    SinkConfig config = mqtt_config(live.port(), "gw1-test-dead-first");
    config.mqtt.brokers = {{"127.0.0.1", test::free_loopback_port()}, {"127.0.0.1", live.port()}};
    MqttSink sink(config, kIdentity);
    const auto records = mixed_records(1, 10);
    const auto start = std::chrono::steady_clock::now();
    CHECK(sink.deliver(records).statuses == std::vector(records.size(), DeliveryStatus::delivered));
    CHECK(std::chrono::steady_clock::now() - start < 4500ms);  // two connect attempts at most, no backoff between
    CHECK(sink.endpoint() == "127.0.0.1:" + std::to_string(live.port()));
}
