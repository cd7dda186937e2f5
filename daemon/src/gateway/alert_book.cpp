#include "gatehouse/daemon/alert_book.hpp"

#include <set>

namespace gatehouse::daemon {

const char* alert_severity(const std::string& kind) {
    static const std::set<std::string> critical = {"fever", "health_code_red", "door_forced", "tamper", "storage_full"};
    static const std::set<std::string> info = {"denied"};
    if (critical.count(kind)) return "critical";
    if (info.count(kind)) return "info";
    return "warning";
}

const std::vector<std::string>& alert_kinds() {
    static const std::vector<std::string> kinds = {
        "fever", "health_code_red", "health_code_yellow", "denied", "unchecked_pass", "tailgating", "door_forced",
        "door_held_open", "tamper", "terminal_offline", "camera_fault", "blackbody_fault", "storage_full",
        "buffer_high", "outbox_rejected", "upstream_down"};
    return kinds;
}

AlertBook::AlertBook(std::int64_t last_id, std::vector<storage::AlertRecord> unclosed) : last_id_(last_id) {
    // Condition alerts raised before a restart are still the alert for their condition: a terminal that comes
    // back closes the offline alert raised by the previous run. Every kind that raise_condition() is called with
    // belongs here, or its alert from a previous run stays open for ever.
    static const std::set<std::string> condition_kinds = {"terminal_offline", "camera_fault", "blackbody_fault",
                                                           "storage_full", "buffer_high", "outbox_rejected",
                                                           "upstream_down"};
    for (auto& a : unclosed) {
        if (condition_kinds.count(a.kind)) conditions_[{a.kind, a.source}] = a.id;
        unclosed_.emplace(a.id, std::move(a));
    }
}

storage::AlertRecord AlertBook::raise(AlertSpec spec, std::int64_t now_ms) {
    storage::AlertRecord a;
    a.id = ++last_id_;
    a.severity = alert_severity(spec.kind);
    a.kind = std::move(spec.kind);
    a.gate = std::move(spec.gate);
    a.source = std::move(spec.source);
    a.raised_ms = now_ms;
    a.person = std::move(spec.person);
    a.celsius = spec.celsius;
    a.snapshot = std::move(spec.snapshot);
    a.text = std::move(spec.text);
    a.screening = spec.screening;
    a.request = std::move(spec.request);
    unclosed_.emplace(a.id, a);
    return a;
}

std::optional<storage::AlertRecord> AlertBook::raise_condition(AlertSpec spec, std::int64_t now_ms) {
    std::pair<std::string, std::string> condition{spec.kind, spec.source};
    if (auto it = conditions_.find(condition); it != conditions_.end() && unclosed_.count(it->second)) return std::nullopt;
    auto alert = raise(std::move(spec), now_ms);
    conditions_[condition] = alert.id;
    return alert;
}

std::optional<AlertChange> AlertBook::clear_condition(const std::string& kind, const std::string& source,
                                                      const std::string& note, std::int64_t now_ms) {
    const auto it = conditions_.find({kind, source});
    if (it == conditions_.end()) return std::nullopt;
    const std::int64_t id = it->second;
    conditions_.erase(it);
    const auto alert = unclosed_.find(id);
    if (alert == unclosed_.end()) return std::nullopt;  // an operator closed it already
    AlertChange change{{id, storage::AlertState::closed, "gatehouse", note, now_ms}, std::move(alert->second)};
    change.alert.state = storage::AlertState::closed;
    unclosed_.erase(alert);
    return change;
}

std::variant<AlertChange, std::string> AlertBook::act(std::int64_t id, storage::AlertState to, const std::string& actor,
                                                      const std::string& note, std::int64_t now_ms) {
    const auto it = unclosed_.find(id);
    if (it == unclosed_.end()) {
        return id > 0 && id <= last_id_ ? "alert " + std::to_string(id) + " is already closed"
                                        : "no alert " + std::to_string(id);
    }
    if (to == storage::AlertState::open) return std::string("an alert cannot be reopened");
    if (to == storage::AlertState::acknowledged && it->second.state == storage::AlertState::acknowledged) {
        return "alert " + std::to_string(id) + " is already acknowledged";
    }
    it->second.state = to;
    AlertChange change{{id, to, actor, note, now_ms}, it->second};
    if (to == storage::AlertState::closed) unclosed_.erase(it);
    return change;
}

std::size_t AlertBook::forget(const std::vector<std::int64_t>& ids) {
    std::size_t forgotten = 0;
    for (const auto id : ids) forgotten += unclosed_.erase(id);
    return forgotten;
}

}  // namespace gatehouse::daemon
