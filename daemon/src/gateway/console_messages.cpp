#include "gatehouse/daemon/console_messages.hpp"

#include "gatehouse/ipc/json_writer.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon {
namespace {

using ipc::JsonObjectWriter;

JsonObjectWriter body(const char* type) {
    JsonObjectWriter w;
    w.text("type", type);
    return w;
}

// "time" (RFC 3339, for people) and "time_ms" (for programs), as every body carries them.
JsonObjectWriter& time(JsonObjectWriter& w, std::int64_t ms) {
    return w.text("time", ipc::format_utc_timestamp(ms)).integer("time_ms", ms);
}

}  // namespace

std::string alert_topic(const storage::AlertRecord& a) { return "alert." + a.kind + "." + a.gate; }
std::string alert_state_topic(const storage::AlertRecord& a) { return "alert_state." + a.kind; }
std::string decision_topic(const storage::DecisionRecord& d) {
    return "decision." + d.gate + (d.grant ? ".grant" : ".deny");
}
std::string screening_topic(const storage::ScreeningRecord& s) { return "screening." + s.gate + "." + s.verdict; }
std::string event_topic(const storage::EventRecord& e) { return "event." + e.gate + "." + e.kind; }

std::string encode_body(const storage::AlertRecord& a) {
    JsonObjectWriter w = body("alert");
    w.integer("id", a.id).text("kind", a.kind).text("severity", a.severity).text("gate", a.gate).text("source", a.source);
    time(w, a.raised_ms)
        .optional_text("person", a.person)
        .optional_number("celsius", a.celsius)
        .optional_text("snapshot", a.snapshot)
        .text("text", a.text)
        .text("state", storage::to_string(a.state));
    return w.finish();
}

std::string encode_body(const storage::AlertAction& action, const storage::AlertRecord& alert) {
    JsonObjectWriter w = body("alert_state");
    w.integer("id", action.alert)
        .text("kind", alert.kind)
        .text("gate", alert.gate)
        .text("state", storage::to_string(action.to))
        .text("actor", action.actor)
        .text("note", action.note);
    return time(w, action.at_ms).finish();
}

std::string encode_body(const storage::DecisionRecord& d) {
    JsonObjectWriter w = body("decision");
    w.text("request", d.request)
        .text("terminal", d.terminal)
        .text("gate", d.gate)
        .text("person", d.person)
        .text("method", d.method)
        .text("result", d.grant ? "grant" : "deny")
        .raw("reasons", d.reasons_json)  // written once by the gateway when it decided
        .optional_number("celsius", d.celsius)
        .optional_text("health_code", d.health_code)
        .optional_integer("screening", d.screening)
        .optional_text("snapshot", d.snapshot);
    return time(w, d.decided_ms).finish();
}

std::string encode_body(const storage::ScreeningRecord& s) {
    JsonObjectWriter w = body("screening");
    w.integer("id", s.id)
        .text("camera", s.camera)
        .text("gate", s.gate)
        .text("verdict", s.verdict)
        .optional_text("reason", s.reason)
        .optional_number("celsius", s.celsius)
        .number("threshold", s.threshold_celsius)
        .optional_text("snapshot", s.snapshot);
    return time(w, s.screened_ms).finish();
}

std::string encode_body(const storage::EventRecord& e) {
    JsonObjectWriter w = body("event");
    w.text("terminal", e.terminal).integer("seq", e.seq).text("gate", e.gate).text("kind", e.kind).optional_text("person", e.person);
    time(w, e.occurred_ms).boolean("offline", e.offline).raw("data", e.data_json);  // encoded once from the typed data
    return w.finish();
}

}  // namespace gatehouse::daemon
