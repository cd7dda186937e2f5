// Gateway: CURVE keys and the ZAP handler's policy (docs/security.md). Who may speak for which terminal, the rate
// limit and the timestamp checks are admission's (admission.cpp).
#include "gateway/gateway_impl.hpp"

#include <cstring>

#include <spdlog/spdlog.h>

#include "gatehouse/ipc/curve_keys.hpp"

namespace gatehouse::daemon {
namespace {

using nlohmann::json;

constexpr auto kRefusalLogInterval = std::chrono::seconds(5);

bool is_tcp(const std::string& endpoint) { return endpoint.rfind("tcp://", 0) == 0; }

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

void Gateway::Impl::start_terminal_monitor() {
    if (server_key.secret.empty()) return;
    const std::string endpoint = fmt::format("inproc://gatehouse-terminal-monitor-{}", static_cast<const void*>(this));
    if (zmq_socket_monitor(terminals->socket().handle(), endpoint.c_str(), ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) != 0) {
        throw zmq::error_t();
    }
    terminal_monitor = std::make_unique<zmq::socket_t>(context, zmq::socket_type::pair);
    terminal_monitor->set(zmq::sockopt::linger, 0);
    terminal_monitor->connect(endpoint);
}

// A client without CURVE (a terminal or `gatehouse sim` without its key) fails at the greeting, before any ZAP
// request: counted (gatehouse_plaintext_connections_refused_total) and logged, rate-limited.
void Gateway::Impl::drain_terminal_monitor() {
    for (int i = 0; i < 1000; ++i) {
        zmq::message_t event, address;
        if (!terminal_monitor->recv(event, zmq::recv_flags::dontwait)) return;
        if (event.more()) (void)terminal_monitor->recv(address, zmq::recv_flags::dontwait);
        if (event.size() < 6) continue;
        std::uint16_t id = 0;
        std::uint32_t value = 0;
        std::memcpy(&id, event.data(), sizeof id);
        std::memcpy(&value, static_cast<const char*>(event.data()) + sizeof id, sizeof value);
        if (id != ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || value != ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) continue;
        ++plaintext_refused;
        log.warn("plaintext_refused",
                 fmt::format("refused a connection to the terminal socket {} that does not use CURVE ({} so far): a "
                             "terminal or `gatehouse sim` without its key pair; give it one (gatehouse keygen, its "
                             "public_key in [[terminals]]; docs/security.md)",
                             terminals->bound_endpoint(), plaintext_refused));
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
