#include <algorithm>

#include "gatehouse/ipc/control_messages.hpp"
#include "gatehouse/ipc/json_writer.hpp"
#include "json_reading.hpp"

namespace gatehouse::ipc {
namespace {

using detail::json;

constexpr const char* kCommands = "status, metrics, reload, alerts, alert_ack, alert_close, forget_alerts";
constexpr std::size_t kMaxActorBytes = 128;

// Thrown inside this file only; decode_control_request returns it as a value.
struct Refused {
    std::string error;
};

[[noreturn]] void refuse(std::string error) { throw Refused{std::move(error)}; }

std::int64_t alert_id(const json& value, const char* what) {
    if (!value.is_number_integer() || (value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX)) {
        refuse(std::string(what) + " must be an integer alert id");
    }
    return value.get<std::int64_t>();
}

const std::string& text(const json& request, const char* key, std::size_t max_bytes, bool required) {
    static const std::string kEmpty;
    const auto it = request.find(key);
    if (it == request.end() || it->is_null()) {
        if (required) refuse(std::string("\"") + key + "\" is required");
        return kEmpty;
    }
    if (!it->is_string()) refuse(std::string("\"") + key + "\" must be a string");
    const auto& s = it->get_ref<const std::string&>();
    if (s.size() > max_bytes) refuse(std::string("\"") + key + "\" is longer than " + std::to_string(max_bytes) + " bytes");
    if (s.find('\0') != std::string::npos) refuse(std::string("\"") + key + "\" must not contain NUL");
    return s;
}

AlertActionRequest alert_action(const json& request, bool close) {
    AlertActionRequest a;
    a.close = close;
    const auto id = request.find("id");
    if (id == request.end() || id->is_null()) refuse("\"id\" (the alert's id) is required");
    a.id = alert_id(*id, "\"id\"");
    a.actor = text(request, "actor", kMaxActorBytes, true);
    if (a.actor.empty()) refuse("\"actor\" (who acts) must not be empty");
    a.note = text(request, "note", kMaxAlertNoteBytes, false);
    return a;
}

ForgetAlertsRequest forget_alerts(const json& request) {
    const auto ids = request.find("ids");
    if (ids == request.end() || !ids->is_array()) refuse("forget_alerts needs \"ids\": [alert ids]");
    if (ids->size() > kMaxForgetIds) refuse("at most " + std::to_string(kMaxForgetIds) + " ids per forget_alerts");
    ForgetAlertsRequest f;
    f.ids.reserve(ids->size());
    for (const auto& id : *ids) f.ids.push_back(alert_id(id, "each of \"ids\""));
    return f;
}

ControlRequest decode(const json& request) {
    if (!request.is_object()) refuse("request must be a JSON object with \"cmd\"");
    if (const auto v = request.find("v"); v != request.end() && !(v->is_number_integer() && *v == 1)) {
        refuse("unsupported protocol version: this gateway speaks \"v\": 1");
    }
    const auto cmd_it = request.find("cmd");
    if (cmd_it == request.end() || !cmd_it->is_string()) refuse(std::string("\"cmd\" must be a string: one of ") + kCommands);
    const std::string& cmd = cmd_it->get_ref<const std::string&>();
    if (cmd == "status") return StatusRequest{};
    if (cmd == "metrics") return MetricsRequest{};
    if (cmd == "reload") return ReloadRequest{};
    if (cmd == "alerts") return AlertsRequest{};
    if (cmd == "alert_ack") return alert_action(request, false);
    if (cmd == "alert_close") return alert_action(request, true);
    if (cmd == "forget_alerts") return forget_alerts(request);
    std::string shown = cmd.substr(0, 64);
    std::replace_if(shown.begin(), shown.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }, '?');
    refuse("unknown command '" + shown + "' (" + kCommands + ")");
}

}  // namespace

ControlRequest decode_control_request(std::string_view frame) {
    const json request = detail::parse_untrusted(frame);
    if (request.is_discarded()) return ControlRefusal{"request is not UTF-8 JSON (or nests too deep)"};
    try {
        return decode(request);
    } catch (Refused& r) {
        return ControlRefusal{std::move(r.error)};
    }
}

std::string encode_control_refusal(std::string_view error) {
    return JsonObjectWriter().boolean("ok", false).text("error", error).finish();
}

std::string encode(const ControlRequest& request) {
    JsonObjectWriter w;
    w.integer("v", 1);
    std::visit(
        [&](const auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, StatusRequest>) w.text("cmd", "status");
            if constexpr (std::is_same_v<T, MetricsRequest>) w.text("cmd", "metrics");
            if constexpr (std::is_same_v<T, ReloadRequest>) w.text("cmd", "reload");
            if constexpr (std::is_same_v<T, AlertsRequest>) w.text("cmd", "alerts");
            if constexpr (std::is_same_v<T, AlertActionRequest>) {
                w.text("cmd", r.close ? "alert_close" : "alert_ack").integer("id", r.id).text("actor", r.actor).text("note", r.note);
            }
            if constexpr (std::is_same_v<T, ForgetAlertsRequest>) {
                std::string ids = "[";
                for (std::size_t i = 0; i < r.ids.size(); ++i) ids += (i ? "," : "") + std::to_string(r.ids[i]);
                w.text("cmd", "forget_alerts").raw("ids", ids + "]");
            }
        },
        request);
    return w.finish();
}

}  // namespace gatehouse::ipc
