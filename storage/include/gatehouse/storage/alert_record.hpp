#pragma once
// Alerts as the ledger keeps them, with every operator action taken on them (who, what, when).
#include <cstdint>
#include <optional>
#include <string>

namespace gatehouse::storage {

/// Life of an alert: raised open, acknowledged by an operator (seen, being handled), closed.
enum class AlertState { open, acknowledged, closed };

const char* to_string(AlertState state);
std::optional<AlertState> parse_alert_state(const std::string& text);

/// One alert raised by the gateway.
struct AlertRecord {
    std::int64_t id = 0;                  ///< Gateway-assigned, ascending.
    std::string kind;                     ///< fever, health_code_red, door_forced, terminal_offline, ...
    std::string severity;                 ///< critical, warning, info.
    std::string gate;                     ///< Empty when the alert concerns no one gate.
    std::string source;                   ///< Terminal or camera id it came from, if any.
    std::int64_t raised_ms = 0;           ///< Gateway wall clock, ms since the Unix epoch.
    std::optional<std::string> person;
    std::optional<double> celsius;
    std::optional<std::string> snapshot;  ///< Evidence JPEG path.
    std::string text;                     ///< One human line, English.
    AlertState state = AlertState::open;
};

/// An operator's (or the gateway's own) action on an alert.
struct AlertAction {
    std::int64_t alert = 0;
    AlertState to = AlertState::acknowledged;  ///< acknowledged or closed.
    std::string actor;                         ///< Login name as given by the CLI, or "gatehouse" for automatic closes.
    std::string note;
    std::int64_t at_ms = 0;
};

}  // namespace gatehouse::storage
