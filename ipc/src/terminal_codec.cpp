// The gateway side of the terminal protocol: decoding what terminals send, encoding the replies.
#include "gatehouse/ipc/terminal_codec.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>

#include "gatehouse/ipc/json_writer.hpp"
#include "json_reading.hpp"

namespace gatehouse::ipc {
namespace {

using namespace detail;

constexpr std::size_t kMaxIdLength = 64;
constexpr std::size_t kMaxTextLength = 256;
constexpr double kMinPlausibleCelsius = 20.0;
constexpr double kMaxPlausibleCelsius = 50.0;
constexpr std::int64_t kLastRfc3339Ms = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

constexpr std::initializer_list<std::pair<const char*, CredentialMethod>> kMethods = {
    {"card", CredentialMethod::card}, {"face", CredentialMethod::face}, {"qr", CredentialMethod::qr},
    {"pin", CredentialMethod::pin}};
constexpr std::initializer_list<std::pair<const char*, HealthCodeColor>> kColors = {
    {"green", HealthCodeColor::green}, {"yellow", HealthCodeColor::yellow}, {"red", HealthCodeColor::red}};
constexpr std::initializer_list<std::pair<const char*, DoorState>> kDoorStates = {
    {"opened", DoorState::opened}, {"closed", DoorState::closed}, {"forced", DoorState::forced},
    {"held_open", DoorState::held_open}};

// The members of each kind's data that protocol v1 defines; any other member is kept as sent.
struct KindFields {
    const char* kind;
    std::initializer_list<const char*> fields;
};
constexpr std::array<KindFields, 6> kKindFields = {{
    {"credential", {"person", "method"}},
    {"health_code", {"person", "color"}},
    {"temperature", {"celsius", "person"}},
    {"door", {"state"}},
    {"tamper", {"detail"}},
    {"fault", {"code", "detail"}},
}};

EventData decode_event_data(const std::string& kind, const FieldReader& data) {
    if (kind == "credential") return CredentialData{data.person("person"), data.choice("method", kMethods)};
    if (kind == "health_code") return HealthCodeData{data.person("person"), data.choice("color", kColors)};
    if (kind == "temperature") {
        const double celsius = data.number_in("celsius", kMinPlausibleCelsius, kMaxPlausibleCelsius);
        return TemperatureData{celsius, data.optional_person("person")};
    }
    if (kind == "door") return DoorData{data.choice("state", kDoorStates)};
    if (kind == "tamper") return TamperData{data.optional_text("detail", kMaxTextLength)};
    if (kind == "fault") {
        std::string code = data.text("code", kMaxIdLength);
        return FaultData{std::move(code), data.optional_text("detail", kMaxTextLength)};
    }
    refuse(ErrorCode::unknown_kind, "kind",
           "unknown event kind '" + kind + "' (credential, health_code, temperature, door, tamper, fault)");
}

std::vector<ExtraField> extra_members(const std::string& kind, const json& data) {
    const auto known = std::find_if(kKindFields.begin(), kKindFields.end(), [&](const KindFields& k) { return kind == k.kind; });
    std::vector<ExtraField> extra;
    for (const auto& [name, value] : data.items()) {
        if (std::find(known->fields.begin(), known->fields.end(), name) != known->fields.end()) continue;
        extra.push_back({name, value.dump(-1, ' ', false, json::error_handler_t::replace)});
    }
    return extra;
}

Event decode_event(const FieldReader& top) {
    Event event;
    event.terminal = top.id("terminal");
    event.seq = top.positive_integer("seq");
    const std::string ts = top.text("ts", 40);
    const auto ms = parse_utc_timestamp(ts);
    if (!ms) refuse(ErrorCode::invalid_field, "ts", "ts must be an RFC 3339 UTC time like 2026-11-22T08:15:30.250Z");
    event.occurred_ms = *ms;
    event.offline = top.optional_bool("offline");
    const std::string kind = top.text("kind", kMaxIdLength);
    const json* data = top.find("data");
    if (!data) refuse(ErrorCode::missing_field, "data", "data is required (an object with the kind's fields)");
    if (!data->is_object()) refuse(ErrorCode::invalid_field, "data", "data must be an object");
    event.data = decode_event_data(kind, FieldReader(*data, "data."));
    event.extra_data = extra_members(kind, *data);
    return event;
}

AccessRequest decode_access_request(const FieldReader& top) {
    AccessRequest r;
    r.terminal = top.id("terminal");
    r.request = top.id("request");
    r.person = top.person("person");
    r.method = top.choice("method", kMethods);
    if (top.find("health_code")) r.health_code = top.choice("health_code", kColors);
    if (top.find("celsius")) r.celsius = top.number_in("celsius", kMinPlausibleCelsius, kMaxPlausibleCelsius);
    return r;
}

// The seq of an event, or the request id of an access_request, when the refused message has a readable one.
void name_the_message(const json& root, ProtocolError& error) {
    const auto type = root.find("type");
    if (type == root.end() || !type->is_string()) return;
    if (*type == "event") {
        const auto seq = root.find("seq");
        if (seq != root.end() && seq->is_number_integer() &&
            (seq->is_number_unsigned() ? seq->get<std::uint64_t>() <= INT64_MAX : seq->get<std::int64_t>() >= 1) &&
            seq->get<std::int64_t>() >= 1) {
            error.seq = seq->get<std::int64_t>();
        }
    } else if (*type == "access_request") {
        const auto request = root.find("request");
        if (request != root.end() && request->is_string() && is_protocol_id(request->get_ref<const std::string&>())) {
            error.request = request->get<std::string>();
        }
    }
}

// Collects the top-level "type", "terminal", "seq" and "request" of a frame while it streams past, without building
// it; stops as soon as the top-level object is done.
class ContextReader final : public json::json_sax_t {
public:
    explicit ContextReader(MessageContext& out) : out_(out) {}
    std::optional<std::string> type;

    bool null() override { return scalar(); }
    bool boolean(bool) override { return scalar(); }
    bool number_integer(number_integer_t v) override {
        if (depth_ == 1 && key_ == "seq" && v >= 1) out_.seq = v;
        return scalar();
    }
    bool number_unsigned(number_unsigned_t v) override {
        if (depth_ == 1 && key_ == "seq" && v >= 1 && v <= INT64_MAX) out_.seq = static_cast<std::int64_t>(v);
        return scalar();
    }
    bool number_float(number_float_t, const string_t&) override { return scalar(); }
    bool string(string_t& v) override {
        if (depth_ == 1 && key_ == "type") type = v;
        if (depth_ == 1 && key_ == "terminal" && is_protocol_id(v)) out_.terminal = v;
        if (depth_ == 1 && key_ == "request" && is_protocol_id(v)) out_.request = v;
        return scalar();
    }
    bool binary(binary_t&) override { return scalar(); }
    bool start_object(std::size_t) override { return ++depth_ <= kMaxNesting; }
    bool key(string_t& k) override {
        if (depth_ == 1) key_ = k;
        return true;
    }
    bool end_object() override { return --depth_ > 0; }
    bool start_array(std::size_t) override { return ++depth_ <= kMaxNesting; }
    bool end_array() override { return --depth_ > 0; }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

private:
    bool scalar() { return depth_ > 0; }  // a frame that is a bare scalar has nothing to say

    MessageContext& out_;
    int depth_ = 0;
    std::string key_;
};

}  // namespace

const char* to_string(CredentialMethod method) {
    static constexpr std::array<const char*, 4> names = {"card", "face", "qr", "pin"};
    return names[static_cast<std::size_t>(method)];
}

const char* to_string(HealthCodeColor color) {
    static constexpr std::array<const char*, 3> names = {"green", "yellow", "red"};
    return names[static_cast<std::size_t>(color)];
}

const char* to_string(DoorState state) {
    static constexpr std::array<const char*, 4> names = {"opened", "closed", "forced", "held_open"};
    return names[static_cast<std::size_t>(state)];
}

std::string_view event_kind(const EventData& data) { return kKindFields[data.index()].kind; }

std::optional<std::string> event_person(const EventData& data) {
    if (const auto* c = std::get_if<CredentialData>(&data)) return c->person;
    if (const auto* h = std::get_if<HealthCodeData>(&data)) return h->person;
    if (const auto* t = std::get_if<TemperatureData>(&data)) return t->person;
    return std::nullopt;
}

namespace {
constexpr std::array<const char*, kErrorCodeCount> kErrorNames = {
    "malformed_json", "unsupported_version", "unknown_type",        "unknown_kind",   "missing_field",
    "invalid_field",  "message_too_large",   "multipart_message",   "unknown_terminal", "seq_behind",
    "seq_ahead",      "storage_unavailable", "not_authorized",      "rate_limited",   "ts_in_future",
    "internal"};
}  // namespace

const char* to_string(ErrorCode code) { return kErrorNames[static_cast<std::size_t>(code)]; }

std::optional<ErrorCode> error_code_from_string(std::string_view name) {
    for (std::size_t i = 0; i < kErrorNames.size(); ++i) {
        if (name == kErrorNames[i]) return static_cast<ErrorCode>(i);
    }
    return std::nullopt;
}

DecodedMessage decode_terminal_message(std::string_view frame) {
    if (nests_deeper_than(frame, kMaxNesting)) {
        return ProtocolError{ErrorCode::malformed_json, "",
                             "message nests arrays or objects deeper than " + std::to_string(kMaxNesting) + " levels",
                             std::nullopt, std::nullopt};
    }
    const json root = parse_untrusted(frame);
    if (root.is_discarded()) {
        return ProtocolError{ErrorCode::malformed_json, "", "message is not valid UTF-8 JSON", std::nullopt, std::nullopt};
    }
    if (!root.is_object()) {
        return ProtocolError{ErrorCode::malformed_json, "", "message must be a JSON object", std::nullopt, std::nullopt};
    }
    try {
        FieldReader top(root, "");
        const json* v = top.find("v");
        if (!v) refuse(ErrorCode::missing_field, "v", "v (protocol version) is required; this gateway speaks 1");
        if (!v->is_number_integer() || v->get<std::int64_t>() != kProtocolVersion ||
            (v->is_number_unsigned() && v->get<std::uint64_t>() != kProtocolVersion)) {
            refuse(ErrorCode::unsupported_version, "v", "unsupported protocol version; this gateway speaks 1");
        }
        const std::string type = top.text("type", kMaxIdLength);
        if (type == "event") return decode_event(top);
        if (type == "heartbeat") return Heartbeat{top.id("terminal")};
        if (type == "access_request") return decode_access_request(top);
        if (type == "hello") {
            std::string terminal = top.id("terminal");
            std::string kind = top.text("kind", kMaxIdLength);
            return Hello{std::move(terminal), std::move(kind), top.text("firmware", 64)};
        }
        refuse(ErrorCode::unknown_type, "type",
               "unknown message type '" + type + "' (hello, event, heartbeat, access_request)");
    } catch (Refusal& r) {
        name_the_message(root, r.error);
        return std::move(r.error);
    }
}

MessageContext read_message_context(std::string_view frame) {
    MessageContext context;
    ContextReader reader(context);
    (void)json::sax_parse(frame.begin(), frame.end(), &reader);
    if (reader.type != "event") context.seq.reset();
    if (reader.type != "access_request") context.request.reset();
    return context;
}

std::string encode(const Welcome& w) {
    return JsonObjectWriter()
        .integer("v", kProtocolVersion)
        .text("type", "welcome")
        .text("terminal", w.terminal)
        .optional_integer("last_seq", w.last_seq)
        .integer("heartbeat_interval_ms", w.heartbeat_interval_ms)
        .finish();
}

std::string encode(const Ack& ack) {
    // Written by hand: acks are the hottest reply, and decode_gateway_reply's fast path reads exactly this form.
    std::string out = R"({"v":1,"type":"ack","seq":)";
    out += std::to_string(ack.seq);
    out += ack.duplicate ? R"(,"duplicate":true})" : R"(,"duplicate":false})";
    return out;
}

std::string encode(const ProtocolError& e) {
    JsonObjectWriter w;
    w.integer("v", kProtocolVersion)
        .text("type", "error")
        .text("code", to_string(e.code))
        .text("field", e.field)
        .text("message", e.message)
        .optional_integer("seq", e.seq);
    if (e.request) w.text("request", *e.request);
    return w.finish();
}

std::string encode(const Decision& d) {
    return JsonObjectWriter()
        .integer("v", kProtocolVersion)
        .text("type", "decision")
        .text("request", d.request)
        .text("result", d.grant ? "grant" : "deny")
        .text_array("reasons", d.reasons)
        .optional_number("celsius", d.celsius)
        .raw("display", JsonObjectWriter().text("zh-CN", d.display_zh).text("en", d.display_en).finish())
        .finish();
}

std::string encode_heartbeat() { return R"({"v":1,"type":"heartbeat"})"; }

std::string encode_event_data(const Event& event) {
    const std::optional<std::string> person = event_person(event.data);
    return person ? encode_event_data(event, *person) : encode_event_data(event, std::string());
}

std::string encode_event_data(const Event& event, const std::string& person) {
    JsonObjectWriter w;
    std::visit(
        [&](const auto& d) {
            using T = std::decay_t<decltype(d)>;
            if constexpr (std::is_same_v<T, CredentialData>) {
                w.text("person", person).text("method", to_string(d.method));
            } else if constexpr (std::is_same_v<T, HealthCodeData>) {
                w.text("person", person).text("color", to_string(d.color));
            } else if constexpr (std::is_same_v<T, TemperatureData>) {
                w.number("celsius", d.celsius);
                if (d.person) w.text("person", person);
            } else if constexpr (std::is_same_v<T, DoorData>) {
                w.text("state", to_string(d.state));
            } else if constexpr (std::is_same_v<T, TamperData>) {
                if (d.detail) w.text("detail", *d.detail);
            } else {
                w.text("code", d.code);
                if (d.detail) w.text("detail", *d.detail);
            }
        },
        event.data);
    for (const auto& extra : event.extra_data) w.raw(extra.name, extra.json);
    return w.finish();
}

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
