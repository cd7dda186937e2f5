// Gateway: CURVE keys and the ZAP handler's policy, who may speak for which terminal, per-terminal rate limit and
// timestamp sanity (docs/security.md).
#include "gateway/gateway_impl.hpp"

#include <spdlog/spdlog.h>

#include "gatehouse/ipc/curve_keys.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon {
namespace {

using nlohmann::json;

constexpr const char* kControlZapDomain = "control";
constexpr auto kRefusalLogInterval = std::chrono::seconds(5);

bool is_tcp(const std::string& endpoint) { return endpoint.rfind("tcp://", 0) == 0; }

// The terminal id a decoded message speaks for, and the seq to name in an error about it.
struct Speaker {
    std::string terminal;
    std::optional<std::int64_t> seq;
};
Speaker speaker(const ipc::DecodedMessage& message) {
    return std::visit(
        [](const auto& m) -> Speaker {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, ipc::ProtocolError>) {
                return {"", m.seq};
            } else if constexpr (std::is_same_v<T, ipc::Event>) {
                return {m.terminal, m.seq};
            } else {
                return {m.terminal, std::nullopt};
            }
        },
        message);
}

}  // namespace

ServerKey load_server_key(const GatewayConfig& config) {
    if (!config.security.curve()) return {};
    try {
        const ipc::CurveKeyPair keys = ipc::load_secret_key_file(*config.security.secret_key_file);
        return {keys.secret_key, keys.public_key};
    } catch (const ipc::CurveKeyError& e) {
        throw ConfigError(config.source + ": security.secret_key_file: " + e.what());
    }
}

ipc::ZapPolicy zap_policy(const GatewayConfig& config) {
    ipc::ZapPolicy policy;
    auto& terminals = policy[ipc::TerminalEndpoint::kZapDomain];
    for (const auto& t : config.terminals) {
        if (!t.public_key.empty()) terminals[t.public_key] = t.id;
    }
    auto& consoles = policy[ConsolePublisher::kZapDomain];
    for (const auto& c : config.console_clients) consoles[c.public_key] = c.id;
    auto& admins = policy[kControlZapDomain];
    for (const auto& a : config.admins) admins[a.public_key] = a.id;
    return policy;
}

ConsoleScopes console_scopes(const GatewayConfig& config) {
    ConsoleScopes scopes;
    for (const auto& c : config.console_clients) scopes[c.id] = c.topics;
    return scopes;
}

std::unique_ptr<ipc::ZapHandler> start_zap_handler(zmq::context_t& context, const GatewayConfig& config) {
    if (!config.security.curve()) return nullptr;
    // The observer runs on the handler's thread and owns its limiter: nothing here is shared with the reactor.
    struct RefusalLog {
        std::map<std::string, std::chrono::steady_clock::time_point> last;
        std::map<std::string, std::uint64_t> suppressed;
    };
    auto log = std::make_shared<RefusalLog>();
    return std::make_unique<ipc::ZapHandler>(context, zap_policy(config), [log](const ipc::ZapRefusal& r) {
        const auto now = std::chrono::steady_clock::now();
        auto& last = log->last[r.domain];
        if (last != std::chrono::steady_clock::time_point{} && now - last < kRefusalLogInterval) {
            ++log->suppressed[r.domain];
            return;
        }
        last = now;
        const std::uint64_t suppressed = std::exchange(log->suppressed[r.domain], 0);
        spdlog::warn("refused {} connection from {}: {}{}", r.domain, r.address.empty() ? "?" : r.address,
                     r.public_key.empty() ? "no CURVE key (mechanism " + r.mechanism + ")"
                                          : "unknown CURVE key " + r.public_key,
                     suppressed ? " (" + std::to_string(suppressed) + " similar refusals suppressed)" : "");
    });
}

bool Gateway::Impl::admit(const ipc::InboundFrame& frame, const ipc::DecodedMessage& message) {
    const Speaker who = speaker(message);
    // The ZAP handler checks a key only at the handshake; a connection made before a reload removed or replaced
    // its key would otherwise go on speaking for the terminal (a stolen terminal is revoked exactly so).
    if (!frame.user_id.empty()) {
        const TerminalState* owner = registry.find(frame.user_id);
        if (!owner || owner->config.public_key != frame.public_key) {
            reply_error(frame.peer,
                        {ipc::ErrorCode::not_authorized, "",
                         "this connection's CURVE key is no longer listed for terminal '" + frame.user_id +
                             "' (revoked by a reload); reconnect with the current key",
                         who.seq},
                        frame.user_id);
            return false;
        }
    }
    // A CURVE key is bound to one terminal: its connection may not speak for another (and so for another gate).
    if (!frame.user_id.empty() && !who.terminal.empty() && who.terminal != frame.user_id) {
        reply_error(frame.peer,
                    {ipc::ErrorCode::not_authorized, "terminal",
                     "this connection's key belongs to terminal '" + frame.user_id + "', not '" + who.terminal + "'",
                     who.seq},
                    frame.user_id);
        return false;
    }
    // Buckets only for configured terminals, so that made-up ids cannot grow the map.
    const std::string& id = frame.user_id.empty() ? who.terminal : frame.user_id;
    if (config.terminal_rate > 0 && !id.empty() && registry.find(id)) {
        const auto now = Clock::now();
        auto bucket = rate_buckets.try_emplace(id, config.terminal_rate, static_cast<double>(config.terminal_burst), now).first;
        if (!bucket->second.try_take(now)) {
            reply_error(frame.peer,
                        {ipc::ErrorCode::rate_limited, "",
                         "more than " + fmt::format("{:g}", config.terminal_rate) +
                             " messages/s from this terminal; slow down and resend later",
                         who.seq},
                        id);
            return false;
        }
    }
    if (const auto* event = std::get_if<ipc::Event>(&message)) {
        const std::int64_t ahead_ms = event->occurred_ms - ipc::utc_now_ms();
        if (ahead_ms > std::chrono::duration_cast<std::chrono::milliseconds>(config.max_future_skew).count()) {
            reply_error(frame.peer,
                        {ipc::ErrorCode::ts_in_future, "ts",
                         fmt::format("ts is {} s ahead of the gateway's clock (at most {} s allowed): check the "
                                     "terminal's clock",
                                     ahead_ms / 1000, config.max_future_skew.count()),
                         event->seq},
                        event->terminal);
            return false;
        }
    }
    return true;
}

void Gateway::Impl::log_security_posture() const {
    if (config.security.insecure_plaintext) {
        spdlog::warn("INSECURE: [security].insecure_plaintext = true: TCP sockets accept anyone on the network without "
                     "authentication or encryption (lab use only; docs/security.md)");
        return;
    }
    if (!config.security.curve()) {
        spdlog::info("security: no TCP socket bound; local sockets only");
        return;
    }
    std::size_t without_key = 0;
    for (const auto& t : config.terminals) {
        if (t.public_key.empty()) {
            ++without_key;
            spdlog::warn("terminal {} has no public_key: it cannot connect until one is configured", t.id);
        }
    }
    spdlog::info("security: CURVE on TCP sockets, server public key {}; {} terminal keys, {} console keys, {} admin "
                 "keys",
                 server_key.public_key, config.terminals.size() - without_key, config.console_clients.size(),
                 config.admins.size());
}

json Gateway::Impl::security_status() const {
    const auto zap_counters = zap ? zap->counters() : ipc::ZapCounters{};
    std::string mode = config.security.curve() ? "curve" : config.security.insecure_plaintext ? "insecure_plaintext" : "local";
    json j = {{"mode", mode},
              {"server_public_key", server_key.public_key.empty() ? json(nullptr) : json(server_key.public_key)},
              {"control_curve", config.security.curve() && is_tcp(config.control_endpoint)},
              {"handshakes_accepted", zap_counters.accepted},
              {"handshakes_refused", zap_counters.refused},
              {"console_subscriptions_refused", consoles ? consoles->counters().refused_subscriptions : 0},
              {"terminal_rate", config.terminal_rate},
              {"terminal_burst", config.terminal_burst},
              {"max_future_skew_s", config.max_future_skew.count()}};
    if (config.security.insecure_plaintext) {
        j["warning"] = "insecure_plaintext: TCP sockets accept unauthenticated, unencrypted connections";
    }
    return j;
}

}  // namespace gatehouse::daemon
