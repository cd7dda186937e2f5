#include "gatehouse/ipc/terminal_codec.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <initializer_list>

#include <nlohmann/json.hpp>

namespace gatehouse::ipc {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxIdLength = 64;
constexpr std::size_t kMaxTextLength = 256;
constexpr double kMinPlausibleCelsius = 20.0;
constexpr double kMaxPlausibleCelsius = 50.0;
constexpr std::int64_t kLastRfc3339Ms = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

// Thrown only inside this file to unwind nested validation; decode_terminal_message turns it into a value.
struct Refusal {
    ProtocolError error;
};

[[noreturn]] void refuse(ErrorCode code, std::string field, std::string message) {
    throw Refusal{{code, std::move(field), std::move(message), std::nullopt}};
}

bool is_id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == ':';
}

// Reads typed fields of one JSON object, naming the full path of the field in every refusal.
class FieldReader {
public:
    FieldReader(const json& object, std::string prefix) : object_(object), prefix_(std::move(prefix)) {}

    const json* find(const char* key) const {
        auto it = object_.find(key);
        return it == object_.end() ? nullptr : &*it;
    }
    std::string path(const char* key) const { return prefix_ + key; }

    std::string text(const char* key, std::size_t max_length = kMaxTextLength) const {
        const json* v = find(key);
        if (!v) refuse(ErrorCode::missing_field, path(key), path(key) + " is required");
        return text_value(key, *v, max_length);
    }
    std::optional<std::string> optional_text(const char* key, std::size_t max_length = kMaxTextLength) const {
        const json* v = find(key);
        if (!v || v->is_null()) return std::nullopt;
        return text_value(key, *v, max_length);
    }
    std::string id(const char* key) const {
        std::string value = text(key, kMaxIdLength);
        if (!std::all_of(value.begin(), value.end(), is_id_char)) {
            refuse(ErrorCode::invalid_field, path(key), path(key) + " may use only letters, digits and - _ . :");
        }
        return value;
    }
    std::string one_of(const char* key, std::initializer_list<const char*> allowed) const {
        std::string value = text(key);
        for (const char* a : allowed) {
            if (value == a) return value;
        }
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        refuse(ErrorCode::invalid_field, path(key), path(key) + " must be one of " + list);
    }
    std::int64_t positive_integer(const char* key) const {
        const json* v = find(key);
        if (!v) refuse(ErrorCode::missing_field, path(key), path(key) + " is required");
        if (!v->is_number_integer() || (v->is_number_unsigned() && v->get<std::uint64_t>() > INT64_MAX) ||
            v->get<std::int64_t>() < 1) {
            refuse(ErrorCode::invalid_field, path(key), path(key) + " must be an integer from 1 to 2^63-1");
        }
        return v->get<std::int64_t>();
    }
    double number_in(const char* key, double lo, double hi) const {
        const json* v = find(key);
        if (!v) refuse(ErrorCode::missing_field, path(key), path(key) + " is required");
        if (!v->is_number()) refuse(ErrorCode::invalid_field, path(key), path(key) + " must be a number");
        const double d = v->get<double>();
        if (!(d >= lo && d <= hi)) {
            char buf[96];
            std::snprintf(buf, sizeof buf, " must be between %.1f and %.1f", lo, hi);
            refuse(ErrorCode::invalid_field, path(key), path(key) + buf);
        }
        return d;
    }
    bool optional_bool(const char* key) const {
        const json* v = find(key);
        if (!v) return false;
        if (!v->is_boolean()) refuse(ErrorCode::invalid_field, path(key), path(key) + " must be true or false");
        return v->get<bool>();
    }

private:
    std::string text_value(const char* key, const json& v, std::size_t max_length) const {
        if (!v.is_string()) refuse(ErrorCode::invalid_field, path(key), path(key) + " must be a string");
        const auto& s = v.get_ref<const std::string&>();
        if (s.empty() || s.size() > max_length) {
            refuse(ErrorCode::invalid_field, path(key),
                   path(key) + " must be 1 to " + std::to_string(max_length) + " bytes long");
        }
        return s;
    }

    const json& object_;
    std::string prefix_;
};

// Validates the kind-specific fields; returns the person the event is about, if any.
std::optional<std::string> validate_event_data(const std::string& kind, const FieldReader& data) {
    if (kind == "credential") {
        data.one_of("method", {"card", "face", "qr", "pin"});
        return data.text("person", 128);
    }
    if (kind == "health_code") {
        data.one_of("color", {"green", "yellow", "red"});
        return data.text("person", 128);
    }
    if (kind == "temperature") {
        data.number_in("celsius", kMinPlausibleCelsius, kMaxPlausibleCelsius);
        return data.optional_text("person", 128);
    }
    if (kind == "door") {
        data.one_of("state", {"opened", "closed", "forced", "held_open"});
        return std::nullopt;
    }
    if (kind == "tamper") {
        data.optional_text("detail");
        return std::nullopt;
    }
    if (kind == "fault") {
        data.text("code", kMaxIdLength);
        data.optional_text("detail");
        return std::nullopt;
    }
    refuse(ErrorCode::unknown_kind, "kind",
           "unknown event kind '" + kind + "' (credential, health_code, temperature, door, tamper, fault)");
}

Event decode_event(const FieldReader& top) {
    Event event;
    event.terminal = top.id("terminal");
    event.seq = top.positive_integer("seq");
    try {
        const std::string ts = top.text("ts", 40);
        const auto ms = parse_utc_timestamp(ts);
        if (!ms) refuse(ErrorCode::invalid_field, "ts", "ts must be an RFC 3339 UTC time like 2026-11-22T08:15:30.250Z");
        event.occurred_ms = *ms;
        event.offline = top.optional_bool("offline");
        event.kind = top.text("kind", kMaxIdLength);
        const json* data = top.find("data");
        if (!data) refuse(ErrorCode::missing_field, "data", "data is required (an object with the kind's fields)");
        if (!data->is_object()) refuse(ErrorCode::invalid_field, "data", "data must be an object");
        event.person = validate_event_data(event.kind, FieldReader(*data, "data."));
        event.data_json = data->dump();
    } catch (Refusal& r) {
        // The seq is known from here on: name it so the terminal can match the error to its event.
        r.error.seq = event.seq;
        throw;
    }
    return event;
}

AccessRequest decode_access_request(const FieldReader& top) {
    AccessRequest r;
    r.terminal = top.id("terminal");
    r.request = top.id("request");
    r.person = top.text("person", 128);
    r.method = top.one_of("method", {"card", "face", "qr", "pin"});
    if (const json* code = top.find("health_code"); code && !code->is_null()) {
        r.health_code = top.one_of("health_code", {"green", "yellow", "red"});
    }
    if (const json* c = top.find("celsius"); c && !c->is_null()) {
        r.celsius = top.number_in("celsius", kMinPlausibleCelsius, kMaxPlausibleCelsius);
    }
    return r;
}

std::string escape_json(std::string_view text) { return json(std::string(text)).dump(); }

}  // namespace

const char* to_string(ErrorCode code) {
    static constexpr std::array<const char*, kErrorCodeCount> names = {
        "malformed_json", "unsupported_version", "unknown_type",     "unknown_kind",
        "missing_field",  "invalid_field",       "message_too_large", "multipart_message",
        "unknown_terminal", "seq_behind",        "seq_ahead",         "storage_unavailable",
        "not_authorized",   "rate_limited",      "ts_in_future"};
    return names[static_cast<std::size_t>(code)];
}

DecodedMessage decode_terminal_message(std::string_view frame) {
    // Parse without exceptions: malformed input is the common case for a hostile peer.
    json root = json::parse(frame.begin(), frame.end(), nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded()) {
        return ProtocolError{ErrorCode::malformed_json, "", "message is not valid UTF-8 JSON", std::nullopt};
    }
    if (!root.is_object()) {
        return ProtocolError{ErrorCode::malformed_json, "", "message must be a JSON object", std::nullopt};
    }
    try {
        FieldReader top(root, "");
        const json* v = top.find("v");
        if (!v) refuse(ErrorCode::missing_field, "v", "v (protocol version) is required; this gateway speaks 1");
        if (!v->is_number_integer() || v->get<std::int64_t>() != kProtocolVersion) {
            refuse(ErrorCode::unsupported_version, "v", "unsupported protocol version; this gateway speaks 1");
        }
        const std::string type = top.text("type", kMaxIdLength);
        if (type == "event") return decode_event(top);
        if (type == "heartbeat") return Heartbeat{top.id("terminal")};
        if (type == "access_request") return decode_access_request(top);
        if (type == "hello") return Hello{top.id("terminal"), top.text("kind", kMaxIdLength), top.text("firmware", 64)};
        refuse(ErrorCode::unknown_type, "type", "unknown message type '" + type + "' (hello, event, heartbeat, access_request)");
    } catch (const Refusal& r) {
        return r.error;
    }
}

std::string encode(const Welcome& w) {
    std::string out = R"({"v":1,"type":"welcome","terminal":)" + escape_json(w.terminal) + R"(,"last_seq":)";
    out += w.last_seq ? std::to_string(*w.last_seq) : "null";
    out += R"(,"heartbeat_interval_ms":)" + std::to_string(w.heartbeat_interval_ms) + "}";
    return out;
}

std::string encode(const Ack& ack) {
    // Hand-built: acks are the hottest reply and have no free text.
    std::string out = R"({"v":1,"type":"ack","seq":)";
    out += std::to_string(ack.seq);
    out += ack.duplicate ? R"(,"duplicate":true})" : R"(,"duplicate":false})";
    return out;
}

std::string encode(const ProtocolError& e) {
    json j = {{"v", kProtocolVersion},
              {"type", "error"},
              {"code", to_string(e.code)},
              {"field", e.field},
              {"message", e.message}};
    j["seq"] = e.seq ? json(*e.seq) : json(nullptr);
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode(const Decision& d) {
    json j = {{"v", kProtocolVersion},
              {"type", "decision"},
              {"request", d.request},
              {"result", d.grant ? "grant" : "deny"},
              {"reasons", d.reasons},
              {"display", {{"zh-CN", d.display_zh}, {"en", d.display_en}}}};
    j["celsius"] = d.celsius ? json(*d.celsius) : json(nullptr);
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string encode_heartbeat() { return R"({"v":1,"type":"heartbeat"})"; }

std::optional<std::int64_t> parse_utc_timestamp(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SS[.fff...](Z|+00:00)
    auto digits = [&s](std::size_t pos, std::size_t n, int& out) {
        if (pos + n > s.size()) return false;
        out = 0;
        for (std::size_t i = pos; i < pos + n; ++i) {
            if (s[i] < '0' || s[i] > '9') return false;
            out = out * 10 + (s[i] - '0');
        }
        return true;
    };
    int year, month, day, hour, minute, second;
    if (s.size() < 20 || !digits(0, 4, year) || s[4] != '-' || !digits(5, 2, month) || s[7] != '-' ||
        !digits(8, 2, day) || (s[10] != 'T' && s[10] != 't') || !digits(11, 2, hour) || s[13] != ':' ||
        !digits(14, 2, minute) || s[16] != ':' || !digits(17, 2, second)) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    int millis = 0;
    if (s[pos] == '.') {
        std::size_t start = ++pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (pos - start < 3) millis = millis * 10 + (s[pos] - '0');
            ++pos;
        }
        if (pos == start) return std::nullopt;
        for (std::size_t k = pos - start; k < 3; ++k) millis *= 10;
    }
    const std::string_view zone = s.substr(pos);
    if (zone != "Z" && zone != "z" && zone != "+00:00") return std::nullopt;
    using namespace std::chrono;
    const year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                              std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    const auto t = sys_days{date} + hours{hour} + minutes{minute} + seconds{second} + milliseconds{millis};
    const std::int64_t ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
    // A leap second on the last day of 9999 lands in year 10000, which no RFC 3339 text can hold: refuse it
    // rather than store a time that format_utc_timestamp cannot write back in a parseable form.
    if (ms > kLastRfc3339Ms) return std::nullopt;
    return ms;
}

std::int64_t utc_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string format_utc_timestamp(std::int64_t ms) {
    using namespace std::chrono;
    const sys_time<milliseconds> t{milliseconds{ms}};
    const auto day_point = floor<days>(t);
    const year_month_day date{day_point};
    const hh_mm_ss<milliseconds> tod{t - day_point};
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<long long>(tod.hours().count()), static_cast<long long>(tod.minutes().count()),
                  static_cast<long long>(tod.seconds().count()), static_cast<long long>(tod.subseconds().count()));
    return buf;
}

}  // namespace gatehouse::ipc
