#pragma once
// The chat text of alerts: one alert in full, or a burst merged into one digest.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "gatehouse/daemon/forwarding/sink_config.hpp"
#include "gatehouse/storage/outbox_record.hpp"

namespace gatehouse::daemon::forwarding {

/// A chat message: `title` (DingTalk shows it in notifications; Feishu as the card header) and markdown.
struct ChatMessage {
    std::string title;
    std::string markdown;
};

/// One alert: gate, local time, temperature, person, severity, reason and id. Several alerts: a digest
/// "N alerts at gate g1" listing the first `digest_lines` in full and the rest by id ("and K more: ..."),
/// so that every alert id is in the message. Alert bodies are read leniently (missing fields are left out).
ChatMessage format_alert_message(std::span<const storage::OutboxRecord> alerts, const SinkIdentity& identity,
                                 int digest_lines);

/// A record that is a message of its own rather than an alert (the daily report): its body's `chat` object
/// ({"title": ..., "markdown": ...}); nullopt for an alert.
std::optional<ChatMessage> standalone_message(const storage::OutboxRecord& record);

/// ms since the epoch as ISO 8601 in `zone` with its UTC offset, e.g. "2026-03-01T08:15:30+08:00".
std::string format_local_time(std::int64_t ms, const LocalTimeZone& zone);

}  // namespace gatehouse::daemon::forwarding
