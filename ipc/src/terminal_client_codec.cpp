// The terminal side of the terminal protocol: encoding what a terminal sends, decoding the gateway's replies.
#include <charconv>

#include "gatehouse/ipc/json_writer.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "json_reading.hpp"

namespace gatehouse::ipc {
namespace {

using namespace detail;

JsonObjectWriter message(const char* type, const std::string& terminal) {
    JsonObjectWriter w;
    w.integer("v", kProtocolVersion).text("type", type).text("terminal", terminal);
    return w;
}

// The exact form encode(const Ack&) writes; anything else takes the general path.
std::optional<Ack> read_ack_fast(std::string_view reply) {
    constexpr std::string_view prefix = R"({"v":1,"type":"ack","seq":)";
    if (reply.substr(0, prefix.size()) != prefix) return std::nullopt;
    Ack ack;
    const char* end = reply.data() + reply.size();
    const auto [after, ec] = std::from_chars(reply.data() + prefix.size(), end, ack.seq);
    if (ec != std::errc()) return std::nullopt;
    const std::string_view rest(after, static_cast<std::size_t>(end - after));
    if (rest == R"(,"duplicate":false})") return ack;
    if (rest == R"(,"duplicate":true})") {
        ack.duplicate = true;
        return ack;
    }
    return std::nullopt;
}

// Typed reads of a reply; a wrong type unwinds as a Refusal whose message says what could not be read.
std::optional<std::int64_t> optional_integer(const json& reply, const char* key) {
    const auto it = reply.find(key);
    if (it == reply.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer()) refuse(ErrorCode::invalid_field, key, std::string(key) + " is not an integer");
    return it->get<std::int64_t>();
}

std::string required_text(const json& reply, const char* key) {
    const auto it = reply.find(key);
    if (it == reply.end() || !it->is_string()) refuse(ErrorCode::invalid_field, key, std::string(key) + " is not a string");
    return it->get<std::string>();
}

std::int64_t required_integer(const json& reply, const char* key) {
    const auto value = optional_integer(reply, key);
    if (!value) refuse(ErrorCode::missing_field, key, std::string(key) + " is missing");
    return *value;
}

bool required_bool(const json& reply, const char* key) {
    const auto it = reply.find(key);
    if (it == reply.end() || !it->is_boolean()) refuse(ErrorCode::invalid_field, key, std::string(key) + " is not a boolean");
    return it->get<bool>();
}

Decision read_decision(const json& reply) {
    Decision d;
    d.request = required_text(reply, "request");
    const std::string result = required_text(reply, "result");
    if (result != "grant" && result != "deny") refuse(ErrorCode::invalid_field, "result", "result is not grant or deny");
    d.grant = result == "grant";
    const auto reasons = reply.find("reasons");
    if (reasons == reply.end() || !reasons->is_array()) refuse(ErrorCode::invalid_field, "reasons", "reasons is not an array");
    for (const auto& r : *reasons) {
        if (!r.is_string()) refuse(ErrorCode::invalid_field, "reasons", "a reason is not a string");
        d.reasons.push_back(r.get<std::string>());
    }
    if (const auto c = reply.find("celsius"); c != reply.end() && !c->is_null()) {
        if (!c->is_number()) refuse(ErrorCode::invalid_field, "celsius", "celsius is not a number");
        d.celsius = c->get<double>();
    }
    const auto display = reply.find("display");
    if (display == reply.end() || !display->is_object()) refuse(ErrorCode::invalid_field, "display", "display is not an object");
    d.display_zh = required_text(*display, "zh-CN");
    d.display_en = required_text(*display, "en");
    return d;
}

ProtocolError read_error(const json& reply) {
    ProtocolError e;
    const std::string code = required_text(reply, "code");
    const auto known = error_code_from_string(code);
    if (!known) refuse(ErrorCode::invalid_field, "code", "unknown error code '" + code + "'");
    e.code = *known;
    e.field = required_text(reply, "field");
    e.message = required_text(reply, "message");
    e.seq = optional_integer(reply, "seq");
    if (const auto r = reply.find("request"); r != reply.end() && !r->is_null()) e.request = required_text(reply, "request");
    return e;
}

}  // namespace

std::string encode(const Hello& hello) {
    return message("hello", hello.terminal).text("kind", hello.kind).text("firmware", hello.firmware).finish();
}

std::string encode(const Heartbeat& heartbeat) { return message("heartbeat", heartbeat.terminal).finish(); }

std::string encode(const Event& event) {
    return message("event", event.terminal)
        .integer("seq", event.seq)
        .text("ts", format_utc_timestamp(event.occurred_ms))
        .boolean("offline", event.offline)
        .text("kind", event_kind(event.data))
        .raw("data", encode_event_data(event))
        .finish();
}

std::string encode(const AccessRequest& r) {
    JsonObjectWriter w = message("access_request", r.terminal);
    w.text("request", r.request).text("person", r.person).text("method", to_string(r.method));
    if (r.health_code) w.text("health_code", to_string(*r.health_code));
    if (r.celsius) w.number("celsius", *r.celsius);
    return w.finish();
}

GatewayReply decode_gateway_reply(std::string_view frame) {
    if (auto ack = read_ack_fast(frame)) return *ack;
    const json reply = parse_untrusted(frame);
    if (!reply.is_object()) return UnreadableReply{"not a JSON object"};
    try {
        if (optional_integer(reply, "v") != kProtocolVersion) return UnreadableReply{"not protocol v1"};
        const std::string type = required_text(reply, "type");
        if (type == "ack") return Ack{required_integer(reply, "seq"), required_bool(reply, "duplicate")};
        if (type == "heartbeat") return HeartbeatReply{};
        if (type == "welcome") {
            return Welcome{required_text(reply, "terminal"), optional_integer(reply, "last_seq"),
                           required_integer(reply, "heartbeat_interval_ms")};
        }
        if (type == "decision") return read_decision(reply);
        if (type == "error") return read_error(reply);
        return UnreadableReply{"unknown reply type '" + type + "'"};
    } catch (const Refusal& r) {
        return UnreadableReply{r.error.message};
    }
}

}  // namespace gatehouse::ipc
