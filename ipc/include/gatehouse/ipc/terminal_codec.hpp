#pragma once
// The one JSON codec of the terminal protocol (v1), both directions:
//   gateway side   decode_terminal_message (validates everything a terminal can get wrong, never throws: bad input
//                  becomes a ProtocolError to send back) and the encoders of the replies;
//   terminal side  the encoders of terminal messages and decode_gateway_reply, for the simulator, the tests and
//                  the benchmarks (and as the reference for a vendor's own terminal).
// Every function is pure and safe to call from any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gatehouse/ipc/terminal_messages.hpp"

namespace gatehouse::ipc {

// --- gateway side -------------------------------------------------------------------------------------------------

/// Decodes one frame sent by a terminal into typed values, once: nothing after it reads the frame again.
DecodedMessage decode_terminal_message(std::string_view frame);
/// What a frame says about itself (terminal, an event's seq, an access_request's request id), read without
/// building it; for the error reply to a frame refused before it is decoded (too large). Never throws; reads at
/// most `frame` once, in constant memory.
MessageContext read_message_context(std::string_view frame);

std::string encode(const Welcome& welcome);
std::string encode(const Ack& ack);
std::string encode(const ProtocolError& error);
std::string encode(const Decision& decision);
/// The gateway's reply to a terminal heartbeat.
std::string encode_heartbeat();

/// An event's `data` object as JSON text: its typed fields, then the unknown members as sent. The ledger stores
/// this text and every record of the event (console, upstream) splices it, so it is written once.
std::string encode_event_data(const Event& event);
/// The same with `person` (where the kind names one) replaced: the upstream's pseudonymised copy.
std::string encode_event_data(const Event& event, const std::string& person);

// --- terminal side ------------------------------------------------------------------------------------------------

std::string encode(const Hello& hello);
std::string encode(const Heartbeat& heartbeat);
std::string encode(const Event& event);
std::string encode(const AccessRequest& request);
/// Decodes one frame a terminal received from the gateway. Never throws: what it cannot read is an UnreadableReply.
/// Acks take a fast path (a simulated terminal reads ~100k of them a second).
GatewayReply decode_gateway_reply(std::string_view frame);

// --- time ---------------------------------------------------------------------------------------------------------

/// Parses an RFC 3339 UTC timestamp ("2026-11-22T08:15:30.250Z", also "+00:00"); ms since the epoch.
std::optional<std::int64_t> parse_utc_timestamp(std::string_view text);
/// The wall clock as ms since the Unix epoch, the unit of every protocol and ledger timestamp.
std::int64_t utc_now_ms();
/// Formats ms since the epoch as RFC 3339 UTC with milliseconds.
std::string format_utc_timestamp(std::int64_t ms);

}  // namespace gatehouse::ipc
