#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "gatehouse/ipc/terminal_codec.hpp"

using namespace gatehouse::ipc;
using nlohmann::json;

namespace {

const char* kTs = "2026-11-22T08:15:30.250Z";

json event_json(const std::string& kind, json data) {
    return {{"v", 1},       {"type", "event"}, {"terminal", "north-1-card"}, {"seq", 42},
            {"ts", kTs},    {"offline", true}, {"kind", kind},               {"data", std::move(data)}};
}

ProtocolError expect_error(const std::string& frame) {
    const DecodedMessage decoded = decode_terminal_message(frame);
    REQUIRE(std::holds_alternative<ProtocolError>(decoded));
    return std::get<ProtocolError>(decoded);
}

}  // namespace

TEST_CASE("every event kind decodes with its fields", "[ipc][codec]") {
    struct Case {
        std::string kind;
        json data;
        std::optional<std::string> person;
    };
    const std::vector<Case> cases = {
        {"credential", {{"person", "E1001"}, {"method", "card"}}, "E1001"},
        {"credential", {{"person", "E1001"}, {"method", "pin"}}, "E1001"},
        {"health_code", {{"person", "E1002"}, {"color", "yellow"}}, "E1002"},
        {"temperature", {{"person", "E1003"}, {"celsius", 37.6}}, "E1003"},
        {"temperature", {{"celsius", 36.4}}, std::nullopt},
        {"door", {{"state", "held_open"}}, std::nullopt},
        {"tamper", json::object(), std::nullopt},
        {"fault", {{"code", "reader_jammed"}, {"detail", "card stuck"}}, std::nullopt},
    };
    for (const auto& c : cases) {
        CAPTURE(c.kind, c.data.dump());
        const auto decoded = decode_terminal_message(event_json(c.kind, c.data).dump());
        REQUIRE(std::holds_alternative<Event>(decoded));
        const auto& e = std::get<Event>(decoded);
        CHECK(e.terminal == "north-1-card");
        CHECK(e.seq == 42);
        CHECK(e.offline);
        CHECK(e.kind == c.kind);
        CHECK(e.person == c.person);
        CHECK(e.occurred_ms == *parse_utc_timestamp(kTs));
        CHECK(json::parse(e.data_json) == c.data);
    }
}

TEST_CASE("hello and heartbeat decode", "[ipc][codec]") {
    auto hello = decode_terminal_message(R"({"v":1,"type":"hello","terminal":"t-1","kind":"turnstile","firmware":"4.2.0"})");
    REQUIRE(std::holds_alternative<Hello>(hello));
    CHECK(std::get<Hello>(hello).firmware == "4.2.0");
    auto hb = decode_terminal_message(R"({"v":1,"type":"heartbeat","terminal":"t-1"})");
    REQUIRE(std::holds_alternative<Heartbeat>(hb));
    CHECK(std::get<Heartbeat>(hb).terminal == "t-1");
}

TEST_CASE("bad input becomes an error naming the code, field and seq", "[ipc][codec][errors]") {
    struct Case {
        std::string frame;
        ErrorCode code;
        std::string field;
        std::optional<std::int64_t> seq;
    };
    auto ev = [](json data, const std::string& kind = "credential") { return event_json(kind, std::move(data)); };
    auto with = [](json j, const std::string& key, json value) {
        j[key] = std::move(value);
        return j.dump();
    };
    auto without = [](json j, const std::string& key) {
        j.erase(key);
        return j.dump();
    };
    const json good = ev({{"person", "E1"}, {"method", "card"}});
    const std::vector<Case> cases = {
        {R"({"v":1,"type":"event",)", ErrorCode::malformed_json, "", std::nullopt},
        {"", ErrorCode::malformed_json, "", std::nullopt},
        {"[1,2]", ErrorCode::malformed_json, "", std::nullopt},
        {"\"just a string\"", ErrorCode::malformed_json, "", std::nullopt},
        {"{\"v\":1,\"type\":\"hello\",\"terminal\":\"\xff\xfe\"}", ErrorCode::malformed_json, "", std::nullopt},
        {without(good, "v"), ErrorCode::missing_field, "v", std::nullopt},
        {with(good, "v", 2), ErrorCode::unsupported_version, "v", std::nullopt},
        {with(good, "v", "1"), ErrorCode::unsupported_version, "v", std::nullopt},
        {with(good, "type", "teleport"), ErrorCode::unknown_type, "type", std::nullopt},
        {with(good, "type", 5), ErrorCode::invalid_field, "type", std::nullopt},
        {without(good, "terminal"), ErrorCode::missing_field, "terminal", std::nullopt},
        {with(good, "terminal", "has space"), ErrorCode::invalid_field, "terminal", std::nullopt},
        {with(good, "terminal", std::string(65, 'a')), ErrorCode::invalid_field, "terminal", std::nullopt},
        {without(good, "seq"), ErrorCode::missing_field, "seq", std::nullopt},
        {with(good, "seq", "42"), ErrorCode::invalid_field, "seq", std::nullopt},
        {with(good, "seq", 0), ErrorCode::invalid_field, "seq", std::nullopt},
        {with(good, "seq", -3), ErrorCode::invalid_field, "seq", std::nullopt},
        {with(good, "seq", 1.5), ErrorCode::invalid_field, "seq", std::nullopt},
        {with(good, "seq", 18446744073709551615ull), ErrorCode::invalid_field, "seq", std::nullopt},
        {without(good, "ts"), ErrorCode::missing_field, "ts", 42},
        {with(good, "ts", "yesterday"), ErrorCode::invalid_field, "ts", 42},
        {with(good, "ts", "2026-02-30T00:00:00Z"), ErrorCode::invalid_field, "ts", 42},
        {with(good, "ts", "2026-11-22T08:15:30"), ErrorCode::invalid_field, "ts", 42},
        {with(good, "offline", "no"), ErrorCode::invalid_field, "offline", 42},
        {without(good, "kind"), ErrorCode::missing_field, "kind", 42},
        {with(good, "kind", "weather"), ErrorCode::unknown_kind, "kind", 42},
        {without(good, "data"), ErrorCode::missing_field, "data", 42},
        {with(good, "data", "card"), ErrorCode::invalid_field, "data", 42},
        {ev({{"method", "card"}}).dump(), ErrorCode::missing_field, "data.person", 42},
        {ev({{"person", "E1"}, {"method", "retina"}}).dump(), ErrorCode::invalid_field, "data.method", 42},
        {ev({{"person", 1001}, {"method", "card"}}).dump(), ErrorCode::invalid_field, "data.person", 42},
        {ev({{"person", ""}, {"method", "card"}}).dump(), ErrorCode::invalid_field, "data.person", 42},
        {ev({{"person", "E1"}, {"color", "blue"}}, "health_code").dump(), ErrorCode::invalid_field, "data.color", 42},
        {ev({{"celsius", "37"}}, "temperature").dump(), ErrorCode::invalid_field, "data.celsius", 42},
        {ev({{"celsius", 95.0}}, "temperature").dump(), ErrorCode::invalid_field, "data.celsius", 42},
        {ev(json::object(), "temperature").dump(), ErrorCode::missing_field, "data.celsius", 42},
        {ev({{"state", "ajar"}}, "door").dump(), ErrorCode::invalid_field, "data.state", 42},
        {ev({{"detail", 7}}, "tamper").dump(), ErrorCode::invalid_field, "data.detail", 42},
        {ev(json::object(), "fault").dump(), ErrorCode::missing_field, "data.code", 42},
        {R"({"v":1,"type":"hello","terminal":"t1","kind":"reader"})", ErrorCode::missing_field, "firmware", std::nullopt},
    };
    for (const auto& c : cases) {
        CAPTURE(c.frame);
        const ProtocolError e = expect_error(c.frame);
        CHECK(to_string(e.code) == std::string(to_string(c.code)));
        CHECK(e.field == c.field);
        CHECK(e.seq == c.seq);
        CHECK_FALSE(e.message.empty());
    }
}

TEST_CASE("random bytes never crash the decoder", "[ipc][codec][errors]") {
    std::uint32_t state = 12345;
    const std::string seed = event_json("credential", {{"person", "E1"}, {"method", "card"}}).dump();
    for (int round = 0; round < 5000; ++round) {
        std::string frame = seed;
        for (int flips = 0; flips < 1 + round % 8; ++flips) {
            state = state * 1664525u + 1013904223u;
            frame[state % frame.size()] = static_cast<char>(state >> 24);
        }
        const auto decoded = decode_terminal_message(frame);
        const bool is_event = std::holds_alternative<Event>(decoded);
        const bool is_error = std::holds_alternative<ProtocolError>(decoded);
        CHECK((is_event || is_error || std::holds_alternative<Hello>(decoded) || std::holds_alternative<Heartbeat>(decoded)));
        if (is_error) {
            // Whatever went in, the error reply must still be valid JSON.
            CHECK_FALSE(json::parse(encode(std::get<ProtocolError>(decoded)), nullptr, false).is_discarded());
        }
    }
}

TEST_CASE("replies encode as protocol v1 JSON", "[ipc][codec]") {
    CHECK(json::parse(encode(Ack{7, false})) == json{{"v", 1}, {"type", "ack"}, {"seq", 7}, {"duplicate", false}});
    CHECK(json::parse(encode(Ack{8, true}))["duplicate"] == true);
    const json err = json::parse(encode(ProtocolError{ErrorCode::invalid_field, "data.method", "bad \"method\"", 9}));
    CHECK(err == json{{"v", 1}, {"type", "error"}, {"code", "invalid_field"}, {"field", "data.method"},
                      {"message", "bad \"method\""}, {"seq", 9}});
    CHECK(json::parse(encode(ProtocolError{ErrorCode::malformed_json, "", "x", std::nullopt}))["seq"].is_null());
    const json welcome = json::parse(encode(Welcome{"t1", 41, 5000}));
    CHECK(welcome == json{{"v", 1}, {"type", "welcome"}, {"terminal", "t1"}, {"last_seq", 41}, {"heartbeat_interval_ms", 5000}});
    CHECK(json::parse(encode(Welcome{"t1", std::nullopt, 5000}))["last_seq"].is_null());
    CHECK(json::parse(encode_heartbeat()) == json{{"v", 1}, {"type", "heartbeat"}});
}

TEST_CASE("UTC timestamps parse and format", "[ipc][time]") {
    CHECK(parse_utc_timestamp("1970-01-01T00:00:00Z") == 0);
    CHECK(parse_utc_timestamp("1970-01-01T00:00:01.5Z") == 1500);
    CHECK(parse_utc_timestamp("1970-01-01T00:00:01.123456Z") == 1123);
    CHECK(parse_utc_timestamp("2024-02-29T12:00:00+00:00") == parse_utc_timestamp("2024-02-29T12:00:00Z"));
    CHECK_FALSE(parse_utc_timestamp("2023-02-29T12:00:00Z"));
    CHECK_FALSE(parse_utc_timestamp("2026-11-22T24:00:00Z"));
    CHECK_FALSE(parse_utc_timestamp("2026-11-22T08:00:00+08:00"));
    CHECK_FALSE(parse_utc_timestamp("2026-11-22T08:00:00.Z"));
    const std::int64_t ms = *parse_utc_timestamp(kTs);
    CHECK(format_utc_timestamp(ms) == kTs);
    CHECK(format_utc_timestamp(0) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("a time past 9999-12-31 is refused, so every accepted ts formats back (terminal_codec_fuzz round-trip check)", "[ipc][time]") {
    CHECK(parse_utc_timestamp("9999-12-31T23:59:59.999Z") == 253'402'300'799'999);
    CHECK(format_utc_timestamp(*parse_utc_timestamp("9999-12-31T23:59:59.999Z")) == "9999-12-31T23:59:59.999Z");
    CHECK_FALSE(parse_utc_timestamp("9999-12-31T23:59:60Z"));  // the leap second would be year 10000
    CHECK(parse_utc_timestamp("2016-12-31T23:59:60Z") == parse_utc_timestamp("2017-01-01T00:00:00Z"));
    const auto refused = expect_error(
        R"({"v":1,"type":"event","terminal":"t1","seq":1,"ts":"9999-12-31T23:59:60Z","kind":"door","data":{"state":"forced"}})");
    CHECK(refused.code == ErrorCode::invalid_field);
    CHECK(refused.field == "ts");
}
