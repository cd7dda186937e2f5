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

/// What was done with a person after a fever alert (or a denial for an uncertain screening) and the manual
/// re-check that follows it: let in after a normal re-check, sent to the clinic, sent home, or something else
/// (described in the note).
enum class RecheckDisposition { recheck_normal, sent_to_clinic, sent_home, other };

const char* to_string(RecheckDisposition disposition);
std::optional<RecheckDisposition> parse_recheck_disposition(const std::string& text);

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
    std::optional<std::int64_t> screening;  ///< The camera screening it is about (fever, tailgating, a decision's).
    std::optional<std::string> request;     ///< The access request it was raised for (with `source`, the terminal).
};

/// An operator's (or the gateway's own) action on an alert.
struct AlertAction {
    std::int64_t alert = 0;
    AlertState to = AlertState::acknowledged;  ///< acknowledged or closed.
    std::string actor;                         ///< Login name as given by the CLI, or "gatehouse" for automatic closes.
    std::string note;
    std::int64_t at_ms = 0;
    /// Closing a fever alert (or a denial for an uncertain screening): the re-check's outcome, and its
    /// temperature when one was taken.
    std::optional<RecheckDisposition> disposition;
    std::optional<double> recheck_celsius;
};

}  // namespace gatehouse::storage
