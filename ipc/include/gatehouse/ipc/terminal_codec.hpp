#pragma once
// JSON encoding of the terminal protocol (v1). Decoding validates everything a terminal can get wrong and
// never throws: bad input becomes a ProtocolError to send back.
#include <string>
#include <string_view>

#include "gatehouse/ipc/terminal_messages.hpp"

namespace gatehouse::ipc {

/// Decodes one frame sent by a terminal. Pure function; safe to call from any thread.
DecodedMessage decode_terminal_message(std::string_view frame);

std::string encode(const Welcome& welcome);
std::string encode(const Ack& ack);
std::string encode(const ProtocolError& error);
std::string encode(const Decision& decision);
/// The gateway's reply to a terminal heartbeat.
std::string encode_heartbeat();

/// Parses an RFC 3339 UTC timestamp ("2026-11-22T08:15:30.250Z", also "+00:00"); ms since the epoch.
std::optional<std::int64_t> parse_utc_timestamp(std::string_view text);
/// The wall clock as ms since the Unix epoch, the unit of every protocol and ledger timestamp.
std::int64_t utc_now_ms();
/// Formats ms since the epoch as RFC 3339 UTC with milliseconds.
std::string format_utc_timestamp(std::int64_t ms);

}  // namespace gatehouse::ipc
