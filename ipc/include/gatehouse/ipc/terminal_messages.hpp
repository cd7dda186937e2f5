#pragma once
// Wire protocol v1 between gate terminals and the gateway, as plain structs. docs/protocol.md is the
// vendor-facing description; terminal_codec.hpp is the only place that knows the JSON field names.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace gatehouse::ipc {

inline constexpr int kProtocolVersion = 1;

/// Terminal → gateway: introduces the terminal (sent after every connect).
struct Hello {
    std::string terminal;
    std::string kind;      ///< Device kind as the vendor names it, e.g. "card_reader", "turnstile".
    std::string firmware;
};

/// Terminal → gateway: liveness; the gateway answers with a heartbeat of its own.
struct Heartbeat {
    std::string terminal;
};

/// Terminal → gateway: something the terminal observed. `data_json` is the validated kind-specific object,
/// kept as the terminal sent it.
struct Event {
    std::string terminal;
    std::int64_t seq = 0;
    std::int64_t occurred_ms = 0;       ///< Terminal's timestamp, ms since the Unix epoch (UTC).
    bool offline = false;
    std::string kind;                   ///< credential, health_code, temperature, door, tamper, fault.
    std::optional<std::string> person;  ///< data.person where the kind carries one.
    std::string data_json;
};

/// Terminal → gateway: a person presents a credential and asks to pass. Answered by a Decision.
struct AccessRequest {
    std::string terminal;
    std::string request;                      ///< Terminal-chosen id, echoed in the decision.
    std::string person;
    std::string method;                       ///< card, face, qr, pin.
    std::optional<std::string> health_code;   ///< green, yellow, red, when the terminal scanned one.
    std::optional<double> celsius;            ///< The terminal's own temperature reading, if it has a sensor.
};

/// Machine-readable reason of an `error` reply.
enum class ErrorCode {
    malformed_json,
    unsupported_version,
    unknown_type,
    unknown_kind,
    missing_field,
    invalid_field,
    message_too_large,
    multipart_message,
    unknown_terminal,
    seq_behind,
    seq_ahead,
    storage_unavailable,
    not_authorized,   ///< The message names a terminal other than the one the connection's CURVE key belongs to.
    rate_limited,     ///< The terminal sends faster than limits.terminal_rate allows (retryable later).
    ts_in_future,     ///< The event's ts lies further ahead of the gateway's clock than limits.max_future_skew_s.
};
inline constexpr int kErrorCodeCount = 15;
const char* to_string(ErrorCode code);

/// Gateway → terminal: why a message was refused. `seq` is set when the refused message was an event whose
/// seq could be read; the terminal may resend that seq only for retryable codes (storage_unavailable, rate_limited).
struct ProtocolError {
    ErrorCode code;
    std::string field;    ///< JSON path of the offending field ("data.method"), empty when not about one.
    std::string message;  ///< Human-readable explanation.
    std::optional<std::int64_t> seq;
};

/// Result of decoding one terminal frame: a message, or the error to send back.
using DecodedMessage = std::variant<Hello, Heartbeat, Event, AccessRequest, ProtocolError>;

/// Gateway → terminal: answer to `hello`, telling the terminal where its sequence stands in the ledger.
struct Welcome {
    std::string terminal;
    std::optional<std::int64_t> last_seq;  ///< Highest seq stored for this terminal; unset if none yet.
    std::int64_t heartbeat_interval_ms = 0;
};

/// Gateway → terminal: the answer to an AccessRequest, sent once the decision is recorded in the ledger.
struct Decision {
    std::string request;
    bool grant = false;
    std::vector<std::string> reasons;       ///< Machine-readable: fever, health_code_red, not_on_list, ...
    std::optional<double> celsius;          ///< The temperature the decision used.
    std::string display_zh;                 ///< Text for the terminal's screen, zh-CN.
    std::string display_en;                 ///< The same in English.
};

/// Gateway → terminal: the event with this seq is durably committed (duplicate: it already was).
struct Ack {
    std::int64_t seq = 0;
    bool duplicate = false;
};

}  // namespace gatehouse::ipc
