#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "gatehouse/daemon/forwarding/webhook_sink.hpp"
#include "http_receiver.hpp"
#include "mosquitto_broker.hpp"
#include "outbox_records.hpp"

using namespace gatehouse;
using namespace gatehouse::daemon::forwarding;
using namespace std::chrono_literals;
using storage::OutboxLane;

namespace {

SinkConfig webhook_config(const std::string& url) {
    SinkConfig c;
    c.name = "webhook-test";
    c.type = SinkType::webhook;
    c.lanes = {OutboxLane::alert, OutboxLane::record, OutboxLane::routine};
    c.webhook.url = url;
    c.webhook.headers = {{"Authorization", "Bearer test-token"}};
    c.webhook.timeouts = {500ms, 1000ms};
    return c;
}

std::vector<storage::OutboxRecord> some_records(int n) {
    std::vector<storage::OutboxRecord> records;
    for (int i = 1; i <= n; ++i) {
        records.push_back(test::outbox_record(OutboxLane::record, i, "decision", "g1",
                                              {{"terminal", "t1"}, {"verdict", "granted"}, {"n", i}}));
    }
    return records;
}

const SinkIdentity kIdentity{"gw1", "east"};

}  // namespace

TEST_CASE("webhook: a 500 is retried, then the batch is delivered as JSON", "[forwarding][webhook]") {
    test::HttpReceiver receiver([](const test::ReceivedRequest&, std::size_t index) {
        return index == 0 ? test::Answer{500, R"({"error":"database down"})"} : test::Answer{200, "{}"};
    });
    WebhookSink sink(webhook_config(receiver.url()), kIdentity);
    const auto records = some_records(3);

    const DeliveryReport first = sink.deliver(records);
    CHECK(first.statuses == std::vector(3, DeliveryStatus::retry_later));
    CHECK_THAT(first.detail, Catch::Contains("HTTP 500") && Catch::Contains("database down"));
    CHECK_FALSE(first.retry_after);

    const DeliveryReport second = sink.deliver(records);
    CHECK(second.statuses == std::vector(3, DeliveryStatus::delivered));

    const auto requests = receiver.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[1].headers.find("Authorization")->second == "Bearer test-token");
    CHECK_THAT(requests[1].headers.find("Content-Type")->second, Catch::StartsWith("application/json"));
    const auto batch = nlohmann::json::parse(requests[1].body);
    CHECK(batch["gateway"] == "gw1");
    CHECK(batch["site"] == "east");
    REQUIRE(batch["records"].size() == 3);
    for (int i = 0; i < 3; ++i) {
        const auto& r = batch["records"][i];
        CHECK(r["key"] == "gw1:record:" + std::to_string(i + 1));
        CHECK(r["lane"] == "record");
        CHECK(r["seq"] == i + 1);
        CHECK(r["gate"] == "g1");
        CHECK(r["kind"] == "decision");
        CHECK(r["created_ms"] == records[i].created_ms);
        CHECK(r["record"]["verdict"] == "granted");  // the body, unchanged
        CHECK(r["record"]["n"] == i + 1);
    }
}

TEST_CASE("webhook: a 400 rejects the record with the status and the start of the body", "[forwarding][webhook]") {
    const std::string long_body = "invalid record: " + std::string(1000, 'x');
    test::HttpReceiver receiver([&](const test::ReceivedRequest&, std::size_t) { return test::Answer{400, long_body}; });
    WebhookSink sink(webhook_config(receiver.url()), kIdentity);

    const DeliveryReport report = sink.deliver(some_records(1));
    CHECK(report.statuses == std::vector{DeliveryStatus::rejected});
    CHECK_THAT(report.detail, Catch::Contains("HTTP 400: invalid record: xxx"));
    CHECK(report.detail.find(long_body.substr(0, 512)) != std::string::npos);
    CHECK(report.detail.find(long_body.substr(0, 513)) == std::string::npos);  // only the first 512 bytes
}

TEST_CASE("webhook: a refused batch is split so that only the poisoned record is rejected", "[forwarding][webhook]") {
    test::HttpReceiver receiver([](const test::ReceivedRequest& r, std::size_t) {
        const auto batch = nlohmann::json::parse(r.body);
        for (const auto& record : batch["records"]) {
            if (record["record"]["n"] == 2) return test::Answer{422, R"({"error":"n=2 is not acceptable"})"};
        }
        return test::Answer{200, "{}"};
    });
    WebhookSink sink(webhook_config(receiver.url()), kIdentity);

    const DeliveryReport report = sink.deliver(some_records(3));
    CHECK(report.statuses ==
          std::vector{DeliveryStatus::delivered, DeliveryStatus::rejected, DeliveryStatus::delivered});
    CHECK_THAT(report.detail, Catch::Contains("gw1:record:2") && Catch::Contains("HTTP 422"));
    CHECK(receiver.requests().size() == 4);  // the batch, then each record alone
}

TEST_CASE("webhook: 429 and 503 back off for as long as Retry-After says", "[forwarding][webhook]") {
    const int status = GENERATE(429, 503, 408);
    test::HttpReceiver receiver([&](const test::ReceivedRequest&, std::size_t) {
        return test::Answer{status, "slow down", {{"Retry-After", "7"}}};
    });
    WebhookSink sink(webhook_config(receiver.url()), kIdentity);

    const DeliveryReport report = sink.deliver(some_records(2));
    CHECK(report.statuses == std::vector(2, DeliveryStatus::retry_later));
    REQUIRE(report.retry_after);
    CHECK(*report.retry_after == 7s);
    CHECK_THAT(report.detail, Catch::Contains("HTTP " + std::to_string(status)));
}

TEST_CASE("webhook: no receiver, or one too slow, is retry_later within the timeouts", "[forwarding][webhook]") {
    SECTION("nothing listens") {
        WebhookSink sink(webhook_config("http://127.0.0.1:" + std::to_string(test::free_loopback_port()) + "/hook"),
                         kIdentity);
        const auto start = std::chrono::steady_clock::now();
        const DeliveryReport report = sink.deliver(some_records(2));
        CHECK(std::chrono::steady_clock::now() - start < 2s);  // refused at once; the 1 s timeout is not waited for
        CHECK(report.statuses == std::vector(2, DeliveryStatus::retry_later));
        CHECK_THAT(report.detail, Catch::Contains("no response"));
    }
    SECTION("the receiver does not answer in time") {
        test::HttpReceiver receiver([](const test::ReceivedRequest&, std::size_t) {
            std::this_thread::sleep_for(4000ms);
            return test::Answer{200, "{}"};
        });
        WebhookSink sink(webhook_config(receiver.url()), kIdentity);
        const auto start = std::chrono::steady_clock::now();
        const DeliveryReport report = sink.deliver(some_records(1));
        // Given up at the 1 s response timeout, well before the receiver's 4 s answer (room for a loaded machine).
        CHECK(std::chrono::steady_clock::now() - start < 2500ms);
        CHECK(report.statuses == std::vector{DeliveryStatus::retry_later});
        CHECK_THAT(report.detail, Catch::Contains("no response") && Catch::Contains("timed out"));
    }
}

TEST_CASE("webhook: a record whose body is not JSON is rejected without blocking the others", "[forwarding][webhook]") {
    test::HttpReceiver receiver;
    WebhookSink sink(webhook_config(receiver.url()), kIdentity);
    auto records = some_records(2);
    records[0].body_json = "not json";
    const DeliveryReport report = sink.deliver(records);
    CHECK(report.statuses == std::vector{DeliveryStatus::rejected, DeliveryStatus::delivered});
    CHECK_THAT(report.detail, Catch::Contains("gw1:record:1"));
    REQUIRE(receiver.requests().size() == 1);
    CHECK(nlohmann::json::parse(receiver.requests()[0].body)["records"].size() == 1);
}
