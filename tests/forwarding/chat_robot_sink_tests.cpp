#include <catch2/catch.hpp>

#include <array>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <regex>
#include <set>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

#include "gatehouse/daemon/forwarding/alert_message.hpp"
#include "gatehouse/daemon/forwarding/chat_robot_sink.hpp"
#include "gatehouse/daemon/forwarding/robot_signing.hpp"
#include "gatehouse/daemon/forwarding/sliding_window_limiter.hpp"
#include "http_receiver.hpp"
#include "outbox_records.hpp"

using namespace gatehouse;
using namespace gatehouse::daemon::forwarding;
using namespace std::chrono_literals;
using storage::OutboxLane;

namespace {

const SinkIdentity kIdentity{"gw1", "east"};
constexpr const char* kSecret = "SECtest-secret-0123456789";

/// The receiver's own HMAC-SHA256 + base64, written against OpenSSL independently of the sink's code.
std::string receiver_hmac_base64(const std::string& key, const std::string& message) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
         message.size(), mac.data(), &length);
    std::array<unsigned char, 4 * EVP_MAX_MD_SIZE> text{};
    const int n = EVP_EncodeBlock(text.data(), mac.data(), static_cast<int>(length));
    return std::string(reinterpret_cast<const char*>(text.data()), static_cast<std::size_t>(n));
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// A DingTalk custom robot as far as the sink can tell: checks "加签" like DingTalk does and answers in its JSON.
test::Answer dingtalk_robot(const test::ReceivedRequest& r, const std::string& secret) {
    const auto ts = r.query.find("timestamp");
    const auto sign = r.query.find("sign");
    if (r.query.count("access_token") == 0 || ts == r.query.end() || sign == r.query.end()) {
        return {200, R"({"errcode":310000,"errmsg":"missing timestamp or sign"})"};
    }
    const bool fresh = std::llabs(now_ms() - std::stoll(ts->second)) < 3'600'000;
    if (!fresh || sign->second != receiver_hmac_base64(secret, ts->second + "\n" + secret)) {
        return {200, R"({"errcode":310000,"errmsg":"sign not match"})"};
    }
    const auto body = nlohmann::json::parse(r.body);
    if (body["msgtype"] != "markdown" || !body["markdown"]["title"].is_string() || !body["markdown"]["text"].is_string()) {
        return {200, R"({"errcode":40035,"errmsg":"bad message"})"};
    }
    return {200, R"({"errcode":0,"errmsg":"ok"})"};
}

SinkConfig chat_config(SinkType type, const std::string& url, const std::string& secret = "") {
    SinkConfig c;
    c.name = std::string(to_string(type)) + "-duty";
    c.type = type;
    c.lanes = {OutboxLane::alert};
    c.max_batch = 50;
    c.chat.url = url;
    c.chat.secret = secret;
    c.chat.timeouts = {500ms, 2000ms};
    return c;
}

std::vector<storage::OutboxRecord> alerts(int first, int count) {
    std::vector<storage::OutboxRecord> out;
    for (int i = first; i < first + count; ++i) out.push_back(test::alert_record(i));
    return out;
}

}  // namespace

TEST_CASE("robot signatures match the documented algorithms", "[forwarding][chat]") {
    // Vectors computed with Python's hmac/base64/urllib.parse.quote_plus, following the robots' documentation.
    CHECK(url_encode(dingtalk_signature("SEC0123456789abcdef", 1700000000123)) ==
          "V9VP5gL2WDsEZvZQHnbd9k4n%2Bp56ibcLMh%2BWKMZRQas%3D");
    CHECK(feishu_signature("SEC0123456789abcdef", 1700000000) == "PiO7POLlSx/DM2qf8Dy/XCWeJK3exVnevp5G99LEN2M=");
    CHECK(url_encode("a b+c/d=e~f.g_h-i") == "a%20b%2Bc%2Fd%3De~f.g_h-i");
}

TEST_CASE("alert messages: one alert in full, a burst as a digest that keeps every id", "[forwarding][chat]") {
    // The times are gateway.timezone's (the identity carries it), with the offset.
    const auto shanghai = daemon::LocalTimeZone::find("Asia/Shanghai");
    REQUIRE(shanghai);
    CHECK(format_local_time(1'767'225'600'000, *shanghai) == "2026-01-01T08:00:00+08:00");
    const SinkIdentity identity{"gw1", "east", *shanghai};

    const auto one = alerts(1, 1);
    const ChatMessage single = format_alert_message(one, identity, 10);
    CHECK(single.title == "Alert: fever at gate g1");
    CHECK_THAT(single.markdown, Catch::Contains("**Gate**: g1 (east / gw1)"));
    CHECK_THAT(single.markdown, Catch::Contains("**Time**: 2026-01-01T08:00:01+08:00"));
    CHECK_THAT(single.markdown, Catch::Contains("**Temperature**: 38.2 °C"));
    CHECK_THAT(single.markdown, Catch::Contains("**Person**: P701"));
    CHECK_THAT(single.markdown, Catch::Contains("**Reason**: temperature at or above 37.3 °C"));
    CHECK_THAT(single.markdown, Catch::Contains("**Alert id**: A1001"));

    const auto twelve = alerts(1, 12);
    const ChatMessage digest = format_alert_message(twelve, kIdentity, 10);
    CHECK(digest.title == "12 alerts at gate g1");
    CHECK_THAT(digest.markdown, Catch::Contains("(A1010)"));
    CHECK_THAT(digest.markdown, !Catch::Contains("(A1011)"));
    CHECK_THAT(digest.markdown, Catch::Contains("- and 2 more: A1011, A1012"));

    auto mixed = alerts(1, 2);
    mixed.push_back(test::alert_record(3, "g2", 37.9));
    CHECK(format_alert_message(mixed, kIdentity, 10).title == "3 alerts at 2 gates");
}

TEST_CASE("sliding window: at most N per window and a least spacing", "[forwarding][chat]") {
    using Clock = SlidingWindowLimiter::Clock;
    const Clock::time_point t0{};
    SlidingWindowLimiter limiter(3, 1000ms, 100ms);
    CHECK(limiter.wait_time(t0) == 0ms);
    limiter.record(t0);
    CHECK(limiter.wait_time(t0 + 40ms) == 60ms);  // spacing
    limiter.record(t0 + 100ms);
    limiter.record(t0 + 200ms);
    CHECK(limiter.wait_time(t0 + 300ms) == 700ms);  // window full until the first one leaves it
    CHECK(limiter.used(t0 + 300ms) == 3);
    CHECK(limiter.wait_time(t0 + 1000ms) == 0ms);
    CHECK(limiter.used(t0 + 1000ms) == 2);
}

TEST_CASE("DingTalk: the receiver verifies the signature, a wrong secret is refused", "[forwarding][chat]") {
    test::HttpReceiver robot([](const test::ReceivedRequest& r, std::size_t) { return dingtalk_robot(r, kSecret); });
    const std::string url = robot.url("/robot/send") + "?access_token=T0KEN";

    ChatRobotSink good(chat_config(SinkType::dingtalk, url, kSecret), kIdentity);
    CHECK_FALSE(good.accepts(OutboxLane::record));
    CHECK(good.accepts(OutboxLane::alert));
    const DeliveryReport ok = good.deliver(alerts(1, 1));
    CHECK(ok.statuses == std::vector{DeliveryStatus::delivered});
    CHECK(ok.detail.empty());

    ChatRobotSink bad(chat_config(SinkType::dingtalk, url, "SECwrong"), kIdentity);
    const DeliveryReport refused = bad.deliver(alerts(2, 1));
    CHECK(refused.statuses == std::vector{DeliveryStatus::retry_later});
    CHECK_THAT(refused.detail, Catch::Contains("errcode 310000") && Catch::Contains("sign not match"));

    const auto requests = robot.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].query.at("access_token") == "T0KEN");
    const auto body = nlohmann::json::parse(requests[0].body);
    CHECK(body["markdown"]["title"] == "Alert: fever at gate g1");
    CHECK_THAT(body["markdown"]["text"].get<std::string>(),
               Catch::Contains("38.2 °C") && Catch::Contains("A1001") && Catch::Contains("P701"));
}

TEST_CASE("DingTalk: its rate-limit errcode silences the sink for 10 minutes", "[forwarding][chat]") {
    test::HttpReceiver robot([](const test::ReceivedRequest&, std::size_t) {
        return test::Answer{200, R"({"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"})"};
    });
    ChatRobotSink sink(chat_config(SinkType::dingtalk, robot.url("/robot/send?access_token=T")), kIdentity);
    const DeliveryReport first = sink.deliver(alerts(1, 2));
    CHECK(first.statuses == std::vector(2, DeliveryStatus::retry_later));
    REQUIRE(first.retry_after);
    CHECK(*first.retry_after == 10min);
    CHECK_THAT(first.detail, Catch::Contains("130101"));

    const DeliveryReport second = sink.deliver(alerts(1, 3));
    CHECK(second.statuses == std::vector(3, DeliveryStatus::retry_later));
    REQUIRE(second.retry_after);
    CHECK(*second.retry_after > 9min);
    CHECK(robot.requests().size() == 1);  // nothing more was sent to the robot
}

TEST_CASE("WeCom and Feishu: message format, Feishu signature, reply codes", "[forwarding][chat]") {
    SECTION("WeCom markdown") {
        test::HttpReceiver robot([](const test::ReceivedRequest&, std::size_t index) {
            return index == 0 ? test::Answer{200, R"({"errcode":0,"errmsg":"ok"})"}
                              : test::Answer{200, R"({"errcode":93000,"errmsg":"invalid webhook url"})"};
        });
        ChatRobotSink sink(chat_config(SinkType::wecom, robot.url("/cgi-bin/webhook/send?key=K")), kIdentity);
        CHECK(sink.deliver(alerts(1, 1)).statuses == std::vector{DeliveryStatus::delivered});
        const auto body = nlohmann::json::parse(robot.requests().at(0).body);
        CHECK(body["msgtype"] == "markdown");
        CHECK_THAT(body["markdown"]["content"].get<std::string>(),
                   Catch::Contains("fever at gate g1") && Catch::Contains("38.2 °C"));
        // A second sink (own rate limit) against the same robot, now answering with an error code.
        ChatRobotSink second(chat_config(SinkType::wecom, robot.url("/cgi-bin/webhook/send?key=K")), kIdentity);
        const DeliveryReport failed = second.deliver(alerts(2, 1));
        CHECK(failed.statuses == std::vector{DeliveryStatus::retry_later});
        CHECK_THAT(failed.detail, Catch::Contains("errcode 93000"));
    }
    SECTION("Feishu signed card") {
        test::HttpReceiver robot([](const test::ReceivedRequest& r, std::size_t) {
            const auto body = nlohmann::json::parse(r.body);
            const std::string ts = body.value("timestamp", "");
            const std::string expected = receiver_hmac_base64(ts + "\n" + kSecret, "");
            if (ts.empty() || body.value("sign", "") != expected || std::llabs(now_ms() / 1000 - std::stoll(ts)) > 3600) {
                return test::Answer{200, R"({"code":19021,"msg":"sign match fail or timestamp is not within one hour"})"};
            }
            if (body["msg_type"] != "interactive") return test::Answer{200, R"({"code":9499,"msg":"bad msg_type"})"};
            return test::Answer{200, R"({"code":0,"msg":"success","data":{}})"};
        });
        ChatRobotSink good(chat_config(SinkType::feishu, robot.url("/open-apis/bot/v2/hook/H"), kSecret), kIdentity);
        CHECK(good.deliver(alerts(1, 1)).statuses == std::vector{DeliveryStatus::delivered});
        const auto card = nlohmann::json::parse(robot.requests().at(0).body)["card"];
        CHECK(card["header"]["title"]["content"] == "Alert: fever at gate g1");
        CHECK_THAT(card["elements"][0]["content"].get<std::string>(), Catch::Contains("A1001"));

        ChatRobotSink bad(chat_config(SinkType::feishu, robot.url("/open-apis/bot/v2/hook/H"), "other"), kIdentity);
        const DeliveryReport refused = bad.deliver(alerts(2, 1));
        CHECK(refused.statuses == std::vector{DeliveryStatus::retry_later});
        CHECK_THAT(refused.detail, Catch::Contains("code 19021"));
    }
}

TEST_CASE("chat: when the window is used up, retry_later says when a slot frees", "[forwarding][chat]") {
    test::HttpReceiver robot([](const test::ReceivedRequest& r, std::size_t) { return dingtalk_robot(r, kSecret); });
    SinkConfig config = chat_config(SinkType::dingtalk, robot.url("/robot/send?access_token=T"), kSecret);
    config.chat.rate_limit_messages = 5;
    config.chat.rate_limit_window = 1000ms;
    config.chat.min_interval = 0ms;
    ChatRobotSink sink(config, kIdentity);

    CHECK(sink.deliver(alerts(1, 1)).statuses == std::vector{DeliveryStatus::delivered});
    // The first message went before this reading, and the sink judges "full" after the next one: a slot frees
    // at most a window after `first_sent`, counted from `asked` (rounded up to the sink's millisecond).
    const auto first_sent = std::chrono::steady_clock::now();
    for (int i = 2; i <= 5; ++i) CHECK(sink.deliver(alerts(i, 1)).statuses == std::vector{DeliveryStatus::delivered});
    const auto asked = std::chrono::steady_clock::now();
    const DeliveryReport full = sink.deliver(alerts(6, 2));
    CHECK(full.statuses == std::vector(2, DeliveryStatus::retry_later));
    REQUIRE(full.retry_after);
    CHECK(*full.retry_after > 0ms);
    CHECK(*full.retry_after <= std::chrono::ceil<std::chrono::milliseconds>(first_sent + 1000ms - asked));
    std::this_thread::sleep_for(*full.retry_after);
    CHECK(sink.deliver(alerts(6, 2)).statuses == std::vector(2, DeliveryStatus::delivered));
    CHECK(robot.requests().size() == 6);
}

TEST_CASE("chat: a burst of 50 alerts becomes a few digests with every alert in them", "[forwarding][chat]") {
    test::HttpReceiver robot([](const test::ReceivedRequest& r, std::size_t) { return dingtalk_robot(r, kSecret); });
    SinkConfig config = chat_config(SinkType::dingtalk, robot.url("/robot/send?access_token=T"), kSecret);
    config.chat.rate_limit_messages = 20;  // DingTalk's 20 a minute, scaled down to 20 per 2 s
    config.chat.rate_limit_window = 2000ms;
    ChatRobotSink sink(config, kIdentity);

    // What the forwarder does: alerts join the pending queue as the gate raises them (one every 10 ms here);
    // whenever the sink is due, it is given the oldest pending ones; retry_after is honoured.
    const auto burst = alerts(1, 50);
    std::deque<storage::OutboxRecord> pending;
    std::size_t produced = 0;
    std::size_t delivered = 0;
    const auto start = std::chrono::steady_clock::now();
    auto next_attempt = start;
    while (delivered < burst.size() && std::chrono::steady_clock::now() - start < 15s) {
        const auto now = std::chrono::steady_clock::now();
        while (produced < burst.size() && start + produced * 10ms <= now) pending.push_back(burst[produced++]);
        if (!pending.empty() && now >= next_attempt) {
            const std::size_t n = std::min(pending.size(), sink.max_batch());
            const std::vector<storage::OutboxRecord> batch(pending.begin(), pending.begin() + static_cast<long>(n));
            const DeliveryReport report = sink.deliver(batch);
            REQUIRE(report.statuses.size() == n);
            if (report.statuses.front() == DeliveryStatus::delivered) {
                CHECK(report.statuses == std::vector(n, DeliveryStatus::delivered));
                pending.erase(pending.begin(), pending.begin() + static_cast<long>(n));
                delivered += n;
            } else {
                REQUIRE(report.statuses.front() == DeliveryStatus::retry_later);
                REQUIRE(report.retry_after);
                next_attempt = now + *report.retry_after;
            }
        }
        std::this_thread::sleep_for(2ms);
    }
    REQUIRE(delivered == 50);

    const auto messages = robot.requests();
    INFO(messages.size() << " messages");
    CHECK(messages.size() >= 2);
    CHECK(messages.size() <= 10);  // 50 alerts in 0.5 s, one message per 100 ms at most
    std::multiset<std::string> ids;
    int digests = 0;
    const std::regex alert_id("A1[0-9]{3}");
    for (const auto& m : messages) {
        const std::string text = nlohmann::json::parse(m.body)["markdown"]["text"];
        if (text.find(" alerts at gate g1") != std::string::npos) ++digests;
        for (std::sregex_iterator it(text.begin(), text.end(), alert_id), end; it != end; ++it) ids.insert(it->str());
    }
    CHECK(digests >= 1);
    CHECK(ids.size() == 50);  // every alert, each exactly once
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 50);
    for (std::size_t i = 1; i < messages.size(); ++i) {
        // Spacing held: the sink sends 100 ms apart; the receiver's thread may see one late and the next on time (a
        // broken limiter sends them back to back, ~0 ms).
        CHECK(messages[i].received_at - messages[i - 1].received_at >= 50ms);
    }
}

namespace {

/// An alert record of `kind` with `person` (null: an alert about no one, like a door or a terminal).
storage::OutboxRecord kind_record(std::int64_t seq, const std::string& kind, nlohmann::json person) {
    nlohmann::json body{{"id", "A" + std::to_string(1000 + seq)}, {"kind", kind}, {"severity", "?"}, {"gate", "g1"},
                        {"time_ms", 1'767'225'600'000 + seq * 1000}, {"person", std::move(person)},
                        {"celsius", nullptr}, {"text", kind + " at gate g1"}};
    return test::outbox_record(OutboxLane::alert, seq, kind, "g1", std::move(body));
}

}  // namespace

TEST_CASE("chat: an alert without a person never says Person: null", "[forwarding][chat]") {
    const std::vector<storage::OutboxRecord> one{kind_record(1, "door_forced", nullptr)};
    const ChatMessage single = format_alert_message(one, kIdentity, 10);
    CHECK_THAT(single.markdown, !Catch::Contains("null"));
    CHECK_THAT(single.markdown, !Catch::Contains("**Person**"));
    CHECK_THAT(single.markdown, !Catch::Contains("**Temperature**"));
    const std::vector<storage::OutboxRecord> two{kind_record(1, "door_forced", nullptr), kind_record(2, "tamper", nullptr)};
    CHECK_THAT(format_alert_message(two, kIdentity, 10).markdown, !Catch::Contains("null"));
}

TEST_CASE("chat: the severity and kind filter, info-level denials do not page by default", "[forwarding][chat]") {
    std::vector<std::string> texts;
    std::mutex texts_mutex;
    test::HttpReceiver robot([&](const test::ReceivedRequest& r, std::size_t) {
        std::lock_guard lock(texts_mutex);
        texts.push_back(nlohmann::json::parse(r.body)["markdown"]["text"].get<std::string>());
        return test::Answer{200, R"({"errcode":0,"errmsg":"ok"})"};
    });
    const std::vector<storage::OutboxRecord> batch{kind_record(1, "denied", "P1"), kind_record(2, "fever", "P2"),
                                                   kind_record(3, "denied", "P3"), kind_record(4, "door_held_open", nullptr)};
    SECTION("default: warning and above") {
        ChatRobotSink sink(chat_config(SinkType::dingtalk, robot.url("/robot/send?access_token=t")), kIdentity);
        const auto report = sink.deliver(batch);
        // Every record is done with: the denials without a message, the others in one digest.
        CHECK(report.statuses == std::vector<DeliveryStatus>(4, DeliveryStatus::delivered));
        REQUIRE(texts.size() == 1);
        CHECK_THAT(texts[0], Catch::Contains("A1002") && Catch::Contains("A1004"));
        CHECK_THAT(texts[0], !Catch::Contains("A1001") && !Catch::Contains("A1003"));
        // Only denials: no message at all, and the rate limit is not used up.
        const auto quiet = sink.deliver(std::vector<storage::OutboxRecord>{kind_record(5, "denied", "P5")});
        CHECK(quiet.statuses == std::vector<DeliveryStatus>{DeliveryStatus::delivered});
        CHECK(texts.size() == 1);
    }
    SECTION("kinds = [fever], min_severity = info") {
        auto config = chat_config(SinkType::dingtalk, robot.url("/robot/send?access_token=t"));
        config.chat.filter.min_severity = AlertSeverity::info;
        config.chat.filter.kinds = {"fever"};
        ChatRobotSink sink(config, kIdentity);
        CHECK(sink.deliver(batch).statuses == std::vector<DeliveryStatus>(4, DeliveryStatus::delivered));
        REQUIRE(texts.size() == 1);
        CHECK_THAT(texts[0], Catch::Contains("A1002"));
        CHECK_THAT(texts[0], !Catch::Contains("A1004"));
    }
    SECTION("min_severity = info pages denials too") {
        auto config = chat_config(SinkType::dingtalk, robot.url("/robot/send?access_token=t"));
        config.chat.filter.min_severity = AlertSeverity::info;
        ChatRobotSink sink(config, kIdentity);
        CHECK(sink.deliver(batch).statuses == std::vector<DeliveryStatus>(4, DeliveryStatus::delivered));
        REQUIRE(texts.size() == 1);
        CHECK_THAT(texts[0], Catch::Contains("A1001") && Catch::Contains("A1003"));
    }
}
