#pragma once
// Wire protocol v1 between gate terminals and the gateway, as plain typed values. docs/protocol.md is the
// vendor-facing description; terminal_codec.hpp is the only place that knows the JSON field names, in both
// directions (the gateway's decoder and reply encoder, and a terminal's encoder and reply decoder).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gatehouse::ipc {

inline constexpr int kProtocolVersion = 1;

/// How a person identified themselves at a terminal.
enum class CredentialMethod { card, face, qr, pin };
/// The colour of a health code (green passes; yellow and red never do).
enum class HealthCodeColor { green, yellow, red };
/// What a door contact reports.
enum class DoorState { opened, closed, forced, held_open };

const char* to_string(CredentialMethod method);
const char* to_string(HealthCodeColor color);
const char* to_string(DoorState state);

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

/// `credential` event data: a person identified themselves.
struct CredentialData {
    std::string person;
    CredentialMethod method = CredentialMethod::card;
};
/// `health_code` event data: a person's health code was scanned.
struct HealthCodeData {
    std::string person;
    HealthCodeColor color = HealthCodeColor::green;
};
/// `temperature` event data: the terminal's own sensor measured someone.
struct TemperatureData {
    double celsius = 0;
    std::optional<std::string> person;
};
/// `door` event data.
struct DoorData {
    DoorState state = DoorState::closed;
};
/// `tamper` event data.
struct TamperData {
    std::optional<std::string> detail;
};
/// `fault` event data: the terminal reports a fault of its own.
struct FaultData {
    std::string code;
    std::optional<std::string> detail;
};
/// An event's `data`, typed by its kind.
using EventData = std::variant<CredentialData, HealthCodeData, TemperatureData, DoorData, TamperData, FaultData>;

/// A member of an event's `data` that protocol v1 does not define: kept as the terminal sent it (its name and its
/// JSON text), so that a newer terminal's fields reach the ledger and the upstream unchanged. Nothing reads it.
struct ExtraField {
    std::string name;
    std::string json;
    bool operator==(const ExtraField&) const = default;
};

/// Terminal → gateway: something the terminal observed.
struct Event {
    std::string terminal;
    std::int64_t seq = 0;
    std::int64_t occurred_ms = 0;  ///< Terminal's timestamp, ms since the Unix epoch (UTC).
    bool offline = false;
    EventData data;
    std::vector<ExtraField> extra_data;  ///< Unknown members of `data`, in the order sent.
};

/// The event kind's wire name: credential, health_code, temperature, door, tamper, fault.
std::string_view event_kind(const EventData& data);
/// The person an event is about, where its kind names one.
std::optional<std::string> event_person(const EventData& data);

/// Terminal → gateway: a person presents a credential and asks to pass. Answered by a Decision.
struct AccessRequest {
    std::string terminal;
    std::string request;                          ///< Terminal-chosen id, echoed in the decision.
    std::string person;
    CredentialMethod method = CredentialMethod::card;
    std::optional<HealthCodeColor> health_code;   ///< When the terminal scanned one.
    std::optional<double> celsius;                ///< The terminal's own temperature reading, if it has a sensor.
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
    internal,         ///< The gateway failed while handling the message (a defect; counted and logged). Retryable.
};
inline constexpr int kErrorCodeCount = 16;
const char* to_string(ErrorCode code);
std::optional<ErrorCode> error_code_from_string(std::string_view name);

/// Gateway → terminal: why a message was refused. `seq` is set when the refused message was an event whose seq
/// could be read, `request` when it was an access_request whose request id could be read, so that a terminal can
/// match the error to what it sent.
struct ProtocolError {
    ErrorCode code = ErrorCode::internal;
    std::string field;    ///< JSON path of the offending field ("data.method"), empty when not about one.
    std::string message;  ///< Human-readable explanation.
    std::optional<std::int64_t> seq;
    std::optional<std::string> request;
};

/// Result of decoding one terminal frame: a message, or the error to send back.
using DecodedMessage = std::variant<Hello, Heartbeat, Event, AccessRequest, ProtocolError>;

/// What a frame names about itself, read without decoding it as a message: for the error reply to a frame that is
/// refused before decoding (too large), so the terminal can still match it.
struct MessageContext {
    std::optional<std::string> terminal;
    std::optional<std::int64_t> seq;
    std::optional<std::string> request;
};

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

/// Gateway → terminal: the answer to a heartbeat.
struct HeartbeatReply {};

/// A frame a terminal received that is not a reply it can read (not JSON, an unknown type, a field of the wrong
/// type): a gateway of a newer protocol, or not a gateway at all.
struct UnreadableReply {
    std::string why;
};

/// What a terminal receives, decoded.
using GatewayReply = std::variant<Welcome, Ack, HeartbeatReply, Decision, ProtocolError, UnreadableReply>;

}  // namespace gatehouse::ipc
