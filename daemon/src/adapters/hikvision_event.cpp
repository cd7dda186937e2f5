// Hikvision ISAPI EventNotificationAlert → typed notification → terminal events. Field names follow Hikvision's
// published ISAPI access-control documentation and public integrations (docs/adapters.md lists them).
#include "gatehouse/daemon/adapters/hikvision_event.hpp"

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon::adapters {
namespace {

using nlohmann::json;

// As the native protocol: nesting is bounded so that keeping a value raw (dump) and destroying it cannot recurse
// without bound.
constexpr int kMaxNesting = 32;
constexpr std::size_t kMaxPersonBytes = 128;
constexpr std::size_t kMaxTextBytes = 256;

// Members of AccessControllerEvent read into typed fields (not kept raw), and those never kept: `name` is the
// person's name as enrolled on the device; gatehouse keeps the person id only.
const std::set<std::string> kReadMembers = {"majorEventType", "subEventType", "employeeNoString", "currTemperature",
                                            "serialNo", "name"};
// Names the event data uses itself (typed fields, and what the adapter adds): a raw member of the same name would be
// written twice.
const std::set<std::string> kTypedNames = {"person", "method", "celsius", "state", "detail", "code", "color",
                                           "vendor", "snapshot", "remote_check", "backfilled"};

// Sub event types of major type 5 (event) and 1 (alarm) that gatehouse maps. The door codes and the credential
// passes are in every published table; the tamper codes are from the HCNetSDK tables (docs/adapters.md).
constexpr int kMajorAlarm = 1;
constexpr int kMajorEvent = 5;
constexpr int kSubCardPass = 0x01;
constexpr int kSubCardAndPasswordPass = 0x02;
constexpr int kSubFacePass = 0x4b;
constexpr int kSubDoorOpen = 0x17;
constexpr int kSubDoorClosed = 0x18;
constexpr int kSubDoorOpenAbnormal = 0x19;
constexpr int kSubDoorOpenTimeout = 0x1a;
constexpr int kSubHostTamper = 0x404;
constexpr int kSubReaderTamper = 0x406;

json parse_bounded(std::string_view text) {
    bool too_deep = false;
    json parsed = json::parse(
        text.begin(), text.end(),
        [&](int depth, json::parse_event_t, json&) {
            if (depth > kMaxNesting) too_deep = true;
            return !too_deep;
        },
        /*allow_exceptions=*/false);
    if (too_deep) return json(json::value_t::discarded);
    return parsed;
}

std::string dump(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

std::optional<std::int64_t> integer(const json& v) {
    if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        return static_cast<std::int64_t>(u);
    }
    if (v.is_number_integer()) return v.get<std::int64_t>();
    // Some firmware sends numbers as strings.
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
        return std::stoll(s);
    }
    return std::nullopt;
}

bool is_person_id(const std::string& s) {
    if (s.empty() || s.size() > kMaxPersonBytes) return false;
    for (const unsigned char ch : s) {
        if (ch < 0x20 || ch == 0x7f) return false;
    }
    return true;
}

int two_digits(std::string_view s, std::size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

bool digits(std::string_view s, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
}

ipc::Event base_event(const HikvisionNotification& n, const std::string& terminal, std::int64_t received_ms,
                      std::int64_t slot) {
    ipc::Event e;
    e.terminal = terminal;
    e.seq = *n.serial_no * kSeqPerSerial + slot;
    e.occurred_ms = n.occurred_ms.value_or(received_ms);
    e.extra_data.push_back({"vendor", "\"hikvision\""});
    e.extra_data.push_back({"serialNo", std::to_string(*n.serial_no)});
    e.extra_data.push_back({"majorEventType", std::to_string(n.major)});
    e.extra_data.push_back({"subEventType", std::to_string(n.sub)});
    for (const auto& f : n.raw) e.extra_data.push_back(f);
    return e;
}

// What the notification's event is, apart from its temperature.
std::optional<ipc::EventData> primary_data(const HikvisionNotification& n) {
    if (n.major == kMajorEvent) {
        switch (n.sub) {
            case kSubCardPass:
            case kSubCardAndPasswordPass:
                if (n.employee) return ipc::CredentialData{*n.employee, ipc::CredentialMethod::card};
                break;
            case kSubFacePass:
                if (n.employee) return ipc::CredentialData{*n.employee, ipc::CredentialMethod::face};
                break;
            case kSubDoorOpen: return ipc::DoorData{ipc::DoorState::opened};
            case kSubDoorClosed: return ipc::DoorData{ipc::DoorState::closed};
            case kSubDoorOpenAbnormal: return ipc::DoorData{ipc::DoorState::forced};
            case kSubDoorOpenTimeout: return ipc::DoorData{ipc::DoorState::held_open};
            default: break;
        }
    }
    if (n.major == kMajorAlarm && n.sub == kSubHostTamper) return ipc::TamperData{"device case opened (Hikvision alarm 0x404)"};
    if (n.major == kMajorAlarm && n.sub == kSubReaderTamper) return ipc::TamperData{"card reader removed (Hikvision alarm 0x406)"};
    return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> parse_offset_timestamp(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM|±HHMM]
    if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':') {
        return std::nullopt;
    }
    if (!digits(s, 0, 4) || !digits(s, 5, 7) || !digits(s, 8, 10) || !digits(s, 11, 13) || !digits(s, 14, 16) ||
        !digits(s, 17, 19)) {
        return std::nullopt;
    }
    std::size_t at = 19;
    std::string fraction;
    if (at < s.size() && s[at] == '.') {
        ++at;
        const std::size_t start = at;
        while (at < s.size() && s[at] >= '0' && s[at] <= '9') ++at;
        if (at == start || at - start > 9) return std::nullopt;
        fraction = std::string(s.substr(start, at - start));
    }
    int offset_minutes = 0;
    const std::string_view zone = s.substr(at);
    if (zone == "Z" || zone.empty()) {
        // No offset: Hikvision always sends one; read as UTC (documented as uncertain).
    } else if ((zone[0] == '+' || zone[0] == '-') && (zone.size() == 6 || zone.size() == 5)) {
        const bool colon = zone.size() == 6;
        if (colon && zone[3] != ':') return std::nullopt;
        if (!digits(zone, 1, 3) || !digits(zone, colon ? 4 : 3, zone.size())) return std::nullopt;
        const int hours = two_digits(zone, 1);
        const int minutes = two_digits(zone, colon ? 4 : 3);
        if (hours > 14 || minutes > 59) return std::nullopt;
        offset_minutes = (hours * 60 + minutes) * (zone[0] == '-' ? -1 : 1);
    } else {
        return std::nullopt;
    }
    std::string utc = std::string(s.substr(0, 19));
    utc[10] = 'T';
    if (!fraction.empty()) utc += "." + fraction.substr(0, 3);
    utc += "Z";
    const auto ms = ipc::parse_utc_timestamp(utc);
    if (!ms) return std::nullopt;
    return *ms - std::int64_t{offset_minutes} * 60'000;
}

std::variant<HikvisionNotification, HikvisionRefusal> decode_hikvision_notification(std::string_view text) {
    const json doc = parse_bounded(text);
    if (doc.is_discarded() || !doc.is_object()) {
        return HikvisionRefusal{"not a JSON EventNotificationAlert object (or nested deeper than 32 levels)"};
    }
    HikvisionNotification n;
    const auto type = doc.find("eventType");
    if (type == doc.end() || !type->is_string()) return HikvisionRefusal{"eventType is missing or not a string"};
    n.event_type = type->get<std::string>();
    if (const auto t = doc.find("dateTime"); t != doc.end() && t->is_string()) {
        n.occurred_ms = parse_offset_timestamp(t->get_ref<const std::string&>());
        if (!n.occurred_ms) return HikvisionRefusal{"dateTime '" + t->get<std::string>() + "' is not an ISO 8601 time"};
    }
    if (n.event_type == "heartBeat") {
        n.type = HikvisionNotification::Type::heartbeat;
        return n;
    }
    if (n.event_type != "AccessControllerEvent") return n;  // other: acknowledged, not stored
    n.type = HikvisionNotification::Type::access_controller;
    const auto ace = doc.find("AccessControllerEvent");
    if (ace == doc.end() || !ace->is_object()) return HikvisionRefusal{"AccessControllerEvent is missing or not an object"};
    const auto major = ace->find("majorEventType");
    const auto sub = ace->find("subEventType");
    const auto major_value = major == ace->end() ? std::nullopt : integer(*major);
    if (!major_value || *major_value < 0 || *major_value > 0xffff) {
        return HikvisionRefusal{"AccessControllerEvent.majorEventType is missing or not an integer"};
    }
    n.major = static_cast<int>(*major_value);
    if (sub != ace->end()) {
        const auto sub_value = integer(*sub);
        if (!sub_value || *sub_value < 0 || *sub_value > 0xffff) {
            return HikvisionRefusal{"AccessControllerEvent.subEventType is not an integer"};
        }
        n.sub = static_cast<int>(*sub_value);
    }
    if (const auto serial = ace->find("serialNo"); serial != ace->end()) {
        const auto value = integer(*serial);
        if (!value || *value < 1 || *value > kMaxSerialNo) {
            return HikvisionRefusal{"AccessControllerEvent.serialNo is not a positive integer"};
        }
        n.serial_no = *value;
    }
    if (const auto employee = ace->find("employeeNoString"); employee != ace->end() && employee->is_string()) {
        const auto& id = employee->get_ref<const std::string&>();
        if (!id.empty()) {
            if (!is_person_id(id)) {
                return HikvisionRefusal{"AccessControllerEvent.employeeNoString is not a person id (1-128 bytes, no control characters)"};
            }
            n.employee = id;
        }
    }
    if (const auto t = ace->find("currTemperature"); t != ace->end() && t->is_number()) {
        double c = t->get<double>();
        if (const auto unit = ace->find("thermometryUnit"); unit != ace->end() && unit->is_string() &&
                                                            unit->get_ref<const std::string&>() == "fahrenheit") {
            c = (c - 32.0) * 5.0 / 9.0;
        }
        // Outside the protocol's range (or a sensor's "no reading" value) the raw value stays, no temperature event.
        if (std::isfinite(c) && c >= 20.0 && c <= 50.0) n.celsius = std::round(c * 100.0) / 100.0;
    }
    // Documented as a boolean; some firmware writes booleans as strings.
    if (const auto rc = ace->find("remoteCheck"); rc != ace->end()) {
        n.remote_check = (rc->is_boolean() && rc->get<bool>()) || (rc->is_string() && rc->get_ref<const std::string&>() == "true");
    }
    for (const auto& [name, value] : ace->items()) {
        if (kReadMembers.count(name) || kTypedNames.count(name)) continue;
        if (name.empty() || name.size() > kMaxTextBytes) continue;
        n.raw.push_back({name, dump(value)});
    }
    if (const auto t = ace->find("currTemperature"); t != ace->end() && !n.celsius) {
        n.raw.push_back({"currTemperature", dump(*t)});
    }
    return n;
}

std::variant<HikvisionPost, HikvisionRefusal> decode_hikvision_multipart(const std::vector<PostedPart>& parts,
                                                                         std::size_t max_part_bytes) {
    const PostedPart* json_part = nullptr;
    const PostedPart* thermal = nullptr;
    const PostedPart* visible = nullptr;
    for (const auto& p : parts) {
        if (p.content.size() > max_part_bytes) {
            return HikvisionRefusal{"part '" + p.name.substr(0, 64) + "' of " + std::to_string(p.content.size()) +
                                    " bytes exceeds the limit of " + std::to_string(max_part_bytes)};
        }
        const bool is_json = p.content_type.find("json") != std::string::npos ||
                             p.name.find("event_log") != std::string::npos ||
                             p.name == "AccessControllerEvent" || p.name == "EventNotificationAlert";
        const bool is_image = p.content_type.rfind("image/", 0) == 0 ||
                              p.filename.find(".jpg") != std::string::npos || p.filename.find(".jpeg") != std::string::npos;
        if (is_json && !json_part) {
            json_part = &p;
        } else if (is_image) {
            const bool is_thermal = p.name.find("hermal") != std::string::npos || p.filename.find("hermal") != std::string::npos;
            if (is_thermal && !thermal) thermal = &p;
            if (!is_thermal && !visible) visible = &p;
        }
    }
    if (!json_part) return HikvisionRefusal{"the multipart post has no JSON event part"};
    auto decoded = decode_hikvision_notification(json_part->content);
    if (auto* refusal = std::get_if<HikvisionRefusal>(&decoded)) return *refusal;
    HikvisionPost post{std::get<HikvisionNotification>(std::move(decoded)), std::nullopt, false};
    if (thermal) {
        post.picture = thermal->content;
        post.thermal_picture = true;
    } else if (visible) {
        post.picture = visible->content;
    }
    return post;
}

std::optional<ipc::AccessRequest> remote_check_request(const HikvisionNotification& n, const std::string& terminal) {
    if (n.type != HikvisionNotification::Type::access_controller || !n.remote_check || !n.serial_no || !n.employee) {
        return std::nullopt;
    }
    ipc::AccessRequest r;
    r.terminal = terminal;
    r.request = remote_check_request_id(*n.serial_no);
    r.person = *n.employee;
    r.method = n.major == kMajorEvent && n.sub == kSubFacePass ? ipc::CredentialMethod::face : ipc::CredentialMethod::card;
    r.celsius = n.celsius;
    return r;
}

std::string remote_check_request_id(std::int64_t serial_no) { return "hik-" + std::to_string(serial_no); }

std::string encode_remote_check_answer(std::int64_t serial_no, bool grant, const std::string& info) {
    const json body = {{"RemoteCheck",
                        {{"serialNo", serial_no}, {"checkResult", grant ? "success" : "failed"}, {"info", info.substr(0, 64)}}}};
    return dump(body);
}

std::string encode_acs_event_search(const std::string& search_id, std::size_t position, std::size_t max_results,
                                    std::int64_t begin_ms, std::int64_t end_ms) {
    const auto time = [](std::int64_t ms) {
        std::string t = ipc::format_utc_timestamp(ms - ms % 1000);  // "...T08:15:30.000Z"
        return t.substr(0, 19) + "+00:00";
    };
    const json body = {{"AcsEventCond",
                        {{"searchID", search_id}, {"searchResultPosition", position}, {"maxResults", max_results},
                         {"major", 0}, {"minor", 0}, {"startTime", time(begin_ms)}, {"endTime", time(end_ms)}}}};
    return dump(body);
}

std::variant<AcsEventPage, HikvisionRefusal> decode_acs_event_page(std::string_view text) {
    const json doc = parse_bounded(text);
    if (doc.is_discarded() || !doc.is_object()) return HikvisionRefusal{"the search answer is not a JSON object"};
    const auto acs = doc.find("AcsEvent");
    if (acs == doc.end() || !acs->is_object()) return HikvisionRefusal{"the search answer has no AcsEvent object"};
    AcsEventPage page;
    if (const auto status = acs->find("responseStatusStrg"); status != acs->end() && status->is_string()) {
        page.more = status->get_ref<const std::string&>() == "MORE";
    }
    if (const auto n = acs->find("numOfMatches"); n != acs->end()) {
        const auto value = integer(*n);
        if (!value || *value < 0 || *value > 100000) return HikvisionRefusal{"AcsEvent.numOfMatches is not a count"};
        page.matches = static_cast<std::size_t>(*value);
    }
    const auto list = acs->find("InfoList");
    if (list == acs->end()) return page;
    if (!list->is_array()) return HikvisionRefusal{"AcsEvent.InfoList is not an array"};
    for (const auto& item : *list) {
        if (!item.is_object()) return HikvisionRefusal{"an AcsEvent.InfoList record is not an object"};
        // The search's records name the push's fields differently: rewrite them as a pushed notification.
        json ace = json::object();
        for (const auto& [name, value] : item.items()) {
            if (name == "major") ace["majorEventType"] = value;
            else if (name == "minor") ace["subEventType"] = value;
            else if (name != "time") ace[name] = value;
        }
        json alert = {{"eventType", "AccessControllerEvent"}, {"AccessControllerEvent", std::move(ace)}};
        if (const auto t = item.find("time"); t != item.end()) alert["dateTime"] = *t;
        auto decoded = decode_hikvision_notification(dump(alert));
        if (auto* refusal = std::get_if<HikvisionRefusal>(&decoded)) return HikvisionRefusal{"a searched record: " + refusal->message};
        page.events.push_back(std::get<HikvisionNotification>(std::move(decoded)));
    }
    if (page.matches == 0) page.matches = page.events.size();
    return page;
}

std::vector<ipc::Event> map_hikvision_event(const HikvisionNotification& n, const std::string& terminal,
                                            std::int64_t received_ms) {
    std::vector<ipc::Event> events;
    if (n.type != HikvisionNotification::Type::access_controller || !n.serial_no) return events;
    ipc::Event primary = base_event(n, terminal, received_ms, 0);
    if (auto data = primary_data(n)) {
        primary.data = std::move(*data);
        events.push_back(std::move(primary));
    } else if (!n.celsius) {
        // Not one gatehouse maps (a refused face, a stranger, a status change): kept as a fault record with the
        // device's codes, so nothing the device said is lost.
        primary.data = ipc::FaultData{"hikvision_event", "major " + std::to_string(n.major) + " sub " + std::to_string(n.sub)};
        events.push_back(std::move(primary));
    }
    if (n.celsius) {
        ipc::Event t = base_event(n, terminal, received_ms, 1);
        t.data = ipc::TemperatureData{*n.celsius, n.employee};
        events.push_back(std::move(t));
    }
    return events;
}

}  // namespace gatehouse::daemon::adapters
