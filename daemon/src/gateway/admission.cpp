#include "gatehouse/daemon/admission.hpp"

#include <fmt/format.h>

#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon {
namespace {

// Who a message speaks for, and how to name it in an error reply so the terminal can match the two.
struct Speaker {
    std::string terminal;
    std::optional<std::int64_t> seq;
    std::optional<std::string> request;
};

Speaker speaker(const TerminalMessage& message) {
    return std::visit(
        [](const auto& m) -> Speaker {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, ipc::Event>) return {m.terminal, m.seq, std::nullopt};
            if constexpr (std::is_same_v<T, ipc::AccessRequest>) return {m.terminal, std::nullopt, m.request};
            if constexpr (!std::is_same_v<T, ipc::Event> && !std::is_same_v<T, ipc::AccessRequest>) {
                return {m.terminal, std::nullopt, std::nullopt};
            }
        },
        message);
}

Refused refuse(const Speaker& who, ipc::ErrorCode code, std::string field, std::string message, std::string terminal) {
    return {{code, std::move(field), std::move(message), who.seq, who.request}, std::move(terminal)};
}

}  // namespace

AdmissionLimits AdmissionLimits::from(const GatewayConfig& c) {
    return {c.max_message_bytes, c.terminal_rate, c.terminal_burst, c.max_future_skew};
}

void Admission::set_limits(const AdmissionLimits& limits) {
    limits_ = limits;
    for (auto& [id, bucket] : buckets_) bucket.set_limits(limits.terminal_rate, static_cast<double>(limits.terminal_burst));
}

AdmissionVerdict Admission::admit(const ipc::InboundFrame& frame, SteadyTime now, std::int64_t wall_now_ms) {
    if (frame.oversize) {
        const ipc::MessageContext& c = frame.oversize_context;
        return Refused{{ipc::ErrorCode::message_too_large, "",
                        "message of " + std::to_string(frame.size) + " bytes exceeds the limit of " +
                            std::to_string(limits_.max_message_bytes),
                        c.seq, c.request},
                       c.terminal.value_or("")};
    }
    if (frame.multipart) {
        return Refused{{ipc::ErrorCode::multipart_message, "", "send each message as exactly one frame", std::nullopt,
                        std::nullopt},
                       ""};
    }
    ipc::DecodedMessage decoded = ipc::decode_terminal_message(frame.payload);
    return std::visit(
        [&](auto&& m) -> AdmissionVerdict {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, ipc::ProtocolError>) {
                return Refused{std::move(m), frame.user_id};
            } else {
                return admit_message(frame, TerminalMessage(std::move(m)), now, wall_now_ms);
            }
        },
        std::move(decoded));
}

AdmissionVerdict Admission::admit_decoded(const std::string& peer, TerminalMessage message, SteadyTime now,
                                         std::int64_t wall_now_ms) {
    ipc::InboundFrame frame;
    frame.peer = peer;
    return admit_message(frame, std::move(message), now, wall_now_ms);
}

AdmissionVerdict Admission::admit_message(const ipc::InboundFrame& frame, TerminalMessage message, SteadyTime now,
                                          std::int64_t wall_now_ms) {
    const Speaker who = speaker(message);
    // Identity. The ZAP handler checks a key only at the handshake; a connection made before a reload removed or
    // replaced its key would otherwise go on speaking for the terminal (a stolen terminal is revoked exactly so).
    if (!frame.user_id.empty()) {
        const TerminalState* owner = registry_.find(frame.user_id);
        if (!owner || owner->config.public_key != frame.public_key) {
            return refuse(who, ipc::ErrorCode::not_authorized, "",
                          "this connection's CURVE key is no longer listed for terminal '" + frame.user_id +
                              "' (revoked by a reload); reconnect with the current key",
                          frame.user_id);
        }
        // A CURVE key is bound to one terminal: its connection may not speak for another (and so for another gate).
        if (who.terminal != frame.user_id) {
            return refuse(who, ipc::ErrorCode::not_authorized, "terminal",
                          "this connection's key belongs to terminal '" + frame.user_id + "', not '" + who.terminal + "'",
                          frame.user_id);
        }
    }
    // Registry.
    TerminalState* terminal = registry_.find(who.terminal);
    if (!terminal) {
        return refuse(who, ipc::ErrorCode::unknown_terminal, "terminal",
                      "terminal '" + who.terminal + "' is not configured on this gateway", who.terminal);
    }
    // Rate.
    if (limits_.terminal_rate > 0) {
        auto bucket = buckets_.try_emplace(who.terminal, limits_.terminal_rate,
                                           static_cast<double>(limits_.terminal_burst), now).first;
        if (!bucket->second.try_take(now)) {
            return refuse(who, ipc::ErrorCode::rate_limited, "",
                          fmt::format("more than {:g} messages/s from this terminal; slow down and resend later",
                                      limits_.terminal_rate),
                          who.terminal);
        }
    }
    if (auto* event = std::get_if<ipc::Event>(&message)) {
        // Clock.
        const std::int64_t ahead_ms = event->occurred_ms - wall_now_ms;
        if (ahead_ms > std::chrono::duration_cast<std::chrono::milliseconds>(limits_.max_future_skew).count()) {
            return refuse(who, ipc::ErrorCode::ts_in_future, "ts",
                          fmt::format("ts is {} s ahead of the gateway's clock (at most {} s allowed): check the "
                                      "terminal's clock",
                                      ahead_ms / 1000, limits_.max_future_skew.count()),
                          who.terminal);
        }
        // Sequence: last, because an accepted seq advances the terminal's highest.
        std::string why;
        if (auto refused = registry_.admit_seq(*terminal, event->seq, why)) {
            return refuse(who, *refused, "seq", why, who.terminal);
        }
    }
    const bool came_online = registry_.note_seen(*terminal, frame.peer, now);
    return Admitted{std::move(message), terminal, came_online};
}

}  // namespace gatehouse::daemon
