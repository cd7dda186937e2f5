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
        CHECK(event_kind(e.data) == c.kind);
        CHECK(event_person(e.data) == c.person);
        CHECK(e.occurred_ms == *parse_utc_timestamp(kTs));
        CHECK(json::parse(encode_event_data(e)) == c.data);
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
        {without(good, "v"), ErrorCode::missing_field, "v", 42},
        {with(good, "v", 2), ErrorCode::unsupported_version, "v", 42},
        {with(good, "v", "1"), ErrorCode::unsupported_version, "v", 42},
        {with(good, "type", "teleport"), ErrorCode::unknown_type, "type", std::nullopt},
        {with(good, "type", 5), ErrorCode::invalid_field, "type", std::nullopt},
        {without(good, "terminal"), ErrorCode::missing_field, "terminal", 42},
        {with(good, "terminal", "has space"), ErrorCode::invalid_field, "terminal", 42},
        {with(good, "terminal", std::string(65, 'a')), ErrorCode::invalid_field, "terminal", 42},
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

TEST_CASE("null reads as absent: optional fields are unset, required ones missing", "[ipc][codec][errors]") {
    // The crash of issue 14 began here: {"detail":null} was accepted and read later as a string.
    const auto tamper = decode_terminal_message(event_json("tamper", {{"detail", nullptr}}).dump());
    REQUIRE(std::holds_alternative<Event>(tamper));
    CHECK_FALSE(std::get<TamperData>(std::get<Event>(tamper).data).detail);
    CHECK(json::parse(encode_event_data(std::get<Event>(tamper))) == json::object());
    const auto missing = expect_error(event_json("credential", {{"person", nullptr}, {"method", "card"}}).dump());
    CHECK(missing.code == ErrorCode::missing_field);
    CHECK(missing.field == "data.person");
    json null_version = event_json("credential", {{"person", "E1"}, {"method", "card"}});
    null_version["v"] = nullptr;
    CHECK(expect_error(null_version.dump()).code == ErrorCode::missing_field);
}

TEST_CASE("unknown data members are kept as sent, known ones are typed", "[ipc][codec]") {
    const json data = {{"person", "E7"}, {"method", "face"}, {"score", 0.93}, {"vendor", {{"model", "X1"}, {"tags", {1, 2}}}}};
    const auto decoded = decode_terminal_message(event_json("credential", data).dump());
    REQUIRE(std::holds_alternative<Event>(decoded));
    const Event& e = std::get<Event>(decoded);
    const auto& c = std::get<CredentialData>(e.data);
    CHECK(c.method == CredentialMethod::face);
    REQUIRE(e.extra_data.size() == 2);
    CHECK(json::parse(encode_event_data(e)) == data);
    // The upstream's pseudonymised copy changes the person and nothing else.
    json pseudonymised = data;
    pseudonymised["person"] = "p-1";
    CHECK(json::parse(encode_event_data(e, "p-1")) == pseudonymised);
}

TEST_CASE("text fields refuse NUL and person ids refuse control characters", "[ipc][codec][errors]") {
    CHECK(expect_error(event_json("fault", {{"code", std::string("a\0b", 3)}}).dump()).field == "data.code");
    CHECK(expect_error(event_json("credential", {{"person", "E\n1"}, {"method", "card"}}).dump()).field == "data.person");
    CHECK(std::holds_alternative<Event>(decode_terminal_message(event_json("tamper", {{"detail", "line 1\nline 2"}}).dump())));
}

TEST_CASE("frames nesting deeper than 32 levels are refused before they are parsed", "[ipc][codec][errors]") {
    const std::string deep = R"({"v":1,"type":"event","terminal":"t","seq":1,"ts":"2026-01-01T00:00:00Z","kind":"tamper","data":{"x":)" +
                             std::string(100000, '[') + std::string(100000, ']') + "}}";
    const ProtocolError e = expect_error(deep);
    CHECK(e.code == ErrorCode::malformed_json);
    // Brackets inside strings do not count.
    CHECK(std::holds_alternative<Event>(decode_terminal_message(event_json("tamper", {{"detail", std::string(200, '[')}}).dump())));
}

TEST_CASE("an error about an access_request names its request id", "[ipc][codec][errors]") {
    const json request = {{"v", 1},           {"type", "access_request"}, {"terminal", "t1"},
                          {"request", "r-9"}, {"person", "E1"},           {"method", "retina"}};
    const ProtocolError e = expect_error(request.dump());
    CHECK(e.field == "method");
    CHECK(e.request == "r-9");
    CHECK_FALSE(e.seq);
    CHECK(json::parse(encode(e))["request"] == "r-9");
    json bad_id = request;
    bad_id["request"] = "has space";
    CHECK_FALSE(expect_error(bad_id.dump()).request);
}

TEST_CASE("the context of a frame is read without decoding it", "[ipc][codec]") {
    const std::string big = event_json("tamper", {{"detail", std::string(100000, 'x')}}).dump();
    const MessageContext c = read_message_context(big);
    CHECK(c.terminal == "north-1-card");
    CHECK(c.seq == 42);
    CHECK_FALSE(c.request);
    const MessageContext r = read_message_context(
        R"({"v":1,"type":"access_request","request":"r-1","seq":5,"data":{"seq":7}})" + std::string(10, ' '));
    CHECK(r.request == "r-1");
    CHECK_FALSE(r.seq);  // not an event: its seq means nothing
    CHECK_FALSE(read_message_context(R"({"type":"event","data":{"seq":7}})").seq);
    CHECK_FALSE(read_message_context("[[[[" + std::string(1000, '[')).seq);
    CHECK_FALSE(read_message_context("not json").terminal);
}

TEST_CASE("terminal-side messages encode to what the gateway decodes", "[ipc][codec][client]") {
    Event event;
    event.terminal = "t1";
    event.seq = 9;
    event.occurred_ms = *parse_utc_timestamp(kTs);
    event.offline = true;
    event.data = TemperatureData{37.5, "E3"};
    event.extra_data = {{"sensor", R"("ir-2")"}};
    const auto back = decode_terminal_message(encode(event));
    REQUIRE(std::holds_alternative<Event>(back));
    const Event& e = std::get<Event>(back);
    CHECK(e.seq == 9);
    CHECK(e.offline);
    CHECK(e.occurred_ms == event.occurred_ms);
    CHECK(std::get<TemperatureData>(e.data).celsius == 37.5);
    CHECK(e.extra_data == event.extra_data);

    AccessRequest request{"t1", "r-1", "E1", CredentialMethod::qr, HealthCodeColor::yellow, 36.6};
    const auto r = decode_terminal_message(encode(request));
    REQUIRE(std::holds_alternative<AccessRequest>(r));
    CHECK(std::get<AccessRequest>(r).health_code == HealthCodeColor::yellow);
    CHECK(std::get<AccessRequest>(r).celsius == 36.6);
    CHECK(std::holds_alternative<Hello>(decode_terminal_message(encode(Hello{"t1", "card_reader", "1.0"}))));
    CHECK(std::holds_alternative<Heartbeat>(decode_terminal_message(encode(Heartbeat{"t1"}))));
}

TEST_CASE("gateway replies decode on the terminal side", "[ipc][codec][client]") {
    const auto ack = decode_gateway_reply(encode(Ack{41, true}));
    REQUIRE(std::holds_alternative<Ack>(ack));
    CHECK(std::get<Ack>(ack).seq == 41);
    CHECK(std::get<Ack>(ack).duplicate);
    // The same ack written differently (another gateway's JSON writer) takes the general path.
    const auto spaced = decode_gateway_reply(R"({ "type":"ack", "v":1, "duplicate":false, "seq":7 })");
    REQUIRE(std::holds_alternative<Ack>(spaced));
    CHECK(std::get<Ack>(spaced).seq == 7);

    const auto welcome = decode_gateway_reply(encode(Welcome{"t1", std::nullopt, 5000}));
    REQUIRE(std::holds_alternative<Welcome>(welcome));
    CHECK_FALSE(std::get<Welcome>(welcome).last_seq);
    CHECK(std::holds_alternative<HeartbeatReply>(decode_gateway_reply(encode_heartbeat())));

    const auto decision = decode_gateway_reply(encode(Decision{"r-1", false, {"fever"}, 38.1, "体温异常", "fever"}));
    REQUIRE(std::holds_alternative<Decision>(decision));
    CHECK(std::get<Decision>(decision).reasons == std::vector<std::string>{"fever"});
    CHECK(std::get<Decision>(decision).display_zh == "体温异常");

    const auto error = decode_gateway_reply(encode(ProtocolError{ErrorCode::internal, "", "oops", 3, std::nullopt}));
    REQUIRE(std::holds_alternative<ProtocolError>(error));
    CHECK(std::get<ProtocolError>(error).code == ErrorCode::internal);
    CHECK(std::get<ProtocolError>(error).seq == 3);

    for (const char* unreadable : {"", "[]", R"({"v":1,"type":"ack","seq":"7","duplicate":false})",
                                   R"({"v":2,"type":"heartbeat"})", R"({"v":1,"type":"error","code":"new_code","field":"","message":""})",
                                   R"({"v":1,"type":"decision","request":"r","result":"maybe","reasons":[],"display":{}})"}) {
        CAPTURE(unreadable);
        CHECK(std::holds_alternative<UnreadableReply>(decode_gateway_reply(unreadable)));
    }
}

TEST_CASE("error codes have names both ways", "[ipc][codec]") {
    for (int i = 0; i < kErrorCodeCount; ++i) {
        const auto code = static_cast<ErrorCode>(i);
        CHECK(error_code_from_string(to_string(code)) == code);
    }
    CHECK_FALSE(error_code_from_string("nope"));
}
