#include "gatehouse/daemon/console_messages.hpp"

#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon {
namespace {

using nlohmann::json;

template <typename T>
json or_null(const std::optional<T>& value) {
    return value ? json(*value) : json(nullptr);
}

}  // namespace

std::string alert_topic(const storage::AlertRecord& a) { return "alert." + a.kind + "." + a.gate; }
std::string decision_topic(const storage::DecisionRecord& d) {
    return "decision." + d.gate + (d.grant ? ".grant" : ".deny");
}
std::string screening_topic(const storage::ScreeningRecord& s) { return "screening." + s.gate + "." + s.verdict; }
std::string event_topic(const storage::EventRecord& e) { return "event." + e.gate + "." + e.kind; }

json to_json(const storage::AlertRecord& a) {
    return {{"type", "alert"},
            {"id", a.id},
            {"kind", a.kind},
            {"severity", a.severity},
            {"gate", a.gate},
            {"source", a.source},
            {"time", ipc::format_utc_timestamp(a.raised_ms)},
            {"time_ms", a.raised_ms},
            {"person", or_null(a.person)},
            {"celsius", or_null(a.celsius)},
            {"snapshot", or_null(a.snapshot)},
            {"text", a.text},
            {"state", storage::to_string(a.state)},
            {"screening", or_null(a.screening)},
            {"request", or_null(a.request)}};
}

json to_json(const storage::AlertAction& a) {
    return {{"type", "alert_state"},
            {"id", a.alert},
            {"state", storage::to_string(a.to)},
            {"actor", a.actor},
            {"note", a.note},
            {"disposition", a.disposition ? json(storage::to_string(*a.disposition)) : json(nullptr)},
            {"recheck_celsius", or_null(a.recheck_celsius)},
            {"time", ipc::format_utc_timestamp(a.at_ms)},
            {"time_ms", a.at_ms}};
}

json to_json(const storage::DecisionRecord& d) {
    json reasons = json::parse(d.reasons_json, nullptr, false);
    if (reasons.is_discarded()) reasons = json::array();
    return {{"type", "decision"},
            {"request", d.request},
            {"terminal", d.terminal},
            {"gate", d.gate},
            {"person", d.person},
            {"method", d.method},
            {"result", d.grant ? "grant" : "deny"},
            {"reasons", std::move(reasons)},
            {"celsius", or_null(d.celsius)},
            {"health_code", or_null(d.health_code)},
            {"screening", or_null(d.screening)},
            {"snapshot", or_null(d.snapshot)},
            {"time", ipc::format_utc_timestamp(d.decided_ms)},
            {"time_ms", d.decided_ms}};
}

json to_json(const storage::ScreeningRecord& s) {
    return {{"type", "screening"},
            {"id", s.id},
            {"camera", s.camera},
            {"gate", s.gate},
            {"verdict", s.verdict},
            {"reason", or_null(s.reason)},
            {"celsius", or_null(s.celsius)},
            {"threshold", s.threshold_celsius},
            {"snapshot", or_null(s.snapshot)},
            {"time", ipc::format_utc_timestamp(s.screened_ms)},
            {"time_ms", s.screened_ms}};
}

json to_json(const storage::EventRecord& e) {
    json data = json::parse(e.data_json, nullptr, false);
    if (data.is_discarded()) data = json::object();
    return {{"type", "event"},
            {"terminal", e.terminal},
            {"seq", e.seq},
            {"gate", e.gate},
            {"kind", e.kind},
            {"person", or_null(e.person)},
            {"time", ipc::format_utc_timestamp(e.occurred_ms)},
            {"time_ms", e.occurred_ms},
            {"offline", e.offline},
            {"data", std::move(data)}};
}

}  // namespace gatehouse::daemon
