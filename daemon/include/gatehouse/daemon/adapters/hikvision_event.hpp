#pragma once
// Hikvision ISAPI event notifications (EventNotificationAlert, as a face/card terminal posts them to its HTTP
// host), decoded once into typed values, and mapped to the gateway's own terminal events. Pure functions: no
// socket, no clock, no state (docs/adapters.md has the mapping table and the fields whose meaning is uncertain).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gatehouse/ipc/terminal_messages.hpp"

namespace gatehouse::daemon::adapters {

/// An EventNotificationAlert as decoded: its type, and for an AccessControllerEvent the fields gatehouse reads.
/// Every other member of AccessControllerEvent is kept raw (name and JSON text) for the event's data.
struct HikvisionNotification {
    enum class Type { heartbeat, access_controller, other };
    Type type = Type::other;
    std::string event_type;                 ///< As sent ("AccessControllerEvent", "heartBeat", ...).
    std::optional<std::int64_t> occurred_ms;///< `dateTime` (ISO 8601 with the device's offset), in UTC ms.
    std::optional<std::int64_t> serial_no;  ///< `serialNo`: the device's own event counter.
    int major = 0;                          ///< `majorEventType`
    int sub = 0;                            ///< `subEventType`
    std::optional<std::string> employee;    ///< `employeeNoString` (the person id enrolled on the device).
    std::optional<double> celsius;          ///< `currTemperature`, converted to °C when `thermometryUnit` says so.
    /// `remoteCheck` true: the device is set to ask the platform before opening (远程核验) and waits for the
    /// answer to this event's serialNo (PUT /ISAPI/AccessControl/remoteCheck).
    bool remote_check = false;
    std::vector<ipc::ExtraField> raw;       ///< Every other member of AccessControllerEvent, as sent.
};

/// Why a notification could not be decoded (answered 400; nothing stored).
struct HikvisionRefusal {
    std::string message;
};

/// Decodes one JSON EventNotificationAlert. Never throws.
std::variant<HikvisionNotification, HikvisionRefusal> decode_hikvision_notification(std::string_view json);

/// One part of a multipart/form-data post (the JSON part, pictures).
struct PostedPart {
    std::string name;
    std::string filename;
    std::string content_type;
    std::string_view content;
};

/// What a multipart post carries: its notification, and the thermal picture to keep as evidence (the visible
/// picture when no thermal one was sent).
struct HikvisionPost {
    HikvisionNotification notification;
    std::optional<std::string_view> picture;
    bool thermal_picture = false;  ///< Whether `picture` is the thermal one.
};

/// Picks the JSON part (the one whose content type is JSON, or named like the event log) and the picture of a
/// multipart post, and decodes the notification. A part over `max_part_bytes` refuses the whole post.
std::variant<HikvisionPost, HikvisionRefusal> decode_hikvision_multipart(const std::vector<PostedPart>& parts,
                                                                         std::size_t max_part_bytes);

/// Sequence numbers of the events mapped from one notification: serialNo × kSeqPerSerial + slot, so that a
/// resent notification gives the same seqs (stored once) and consecutive serials stay within the seq window.
inline constexpr std::int64_t kSeqPerSerial = 4;
/// The largest serialNo whose seqs fit the protocol's range.
inline constexpr std::int64_t kMaxSerialNo = (INT64_MAX - kSeqPerSerial) / kSeqPerSerial;

/// Maps an AccessControllerEvent to the terminal events it means for `terminal` (a credential, door, tamper or an
/// unmapped record, and a temperature when one was measured). `received_ms` stands in for a missing dateTime.
/// Empty when there is nothing to store (no serialNo: see docs/adapters.md).
std::vector<ipc::Event> map_hikvision_event(const HikvisionNotification& n, const std::string& terminal,
                                            std::int64_t received_ms);

/// The typed access request a remote-check event means: the person the device identified, how (face for a face
/// pass, else card), the device's own temperature reading. Nullopt when the event names nobody or has no serialNo
/// (nothing to decide on: the device is told "failed").
std::optional<ipc::AccessRequest> remote_check_request(const HikvisionNotification& n, const std::string& terminal);

/// The request id of a remote check ("hik-SERIALNO"): echoed in the decision and recorded with it.
std::string remote_check_request_id(std::int64_t serial_no);

/// The body of PUT /ISAPI/AccessControl/remoteCheck?format=json: the answer to the event `serial_no`
/// (`checkResult` "success" opens, "failed" does not; `info` is shown or logged by the device).
std::string encode_remote_check_answer(std::int64_t serial_no, bool grant, const std::string& info);

/// One page of the device's event-log search (POST /ISAPI/AccessControl/AcsEvent?format=json), its records decoded
/// as the same notifications the device pushes.
struct AcsEventPage {
    bool more = false;              ///< responseStatusStrg "MORE": ask again from the next position.
    std::size_t matches = 0;        ///< numOfMatches: records on this page.
    std::vector<HikvisionNotification> events;
};

/// The body of an event-log search: records from `begin_ms` to `end_ms` (UTC, written with a +00:00 offset), the
/// page at `position` of at most `max_results`.
std::string encode_acs_event_search(const std::string& search_id, std::size_t position, std::size_t max_results,
                                    std::int64_t begin_ms, std::int64_t end_ms);

/// Decodes a search answer (`AcsEvent` with `InfoList`); each record as an AccessControllerEvent (`major`/`minor`
/// as majorEventType/subEventType, `time` as dateTime). A record that cannot be decoded refuses the page. Never throws.
std::variant<AcsEventPage, HikvisionRefusal> decode_acs_event_page(std::string_view json);

/// Parses "2026-11-22T16:15:30+08:00" (also with fractions, "Z" or a "+0800" offset) to UTC ms.
std::optional<std::int64_t> parse_offset_timestamp(std::string_view text);

}  // namespace gatehouse::daemon::adapters
