#pragma once
// The socket monitoring consoles subscribe to: alerts, decisions, screenings and events, by topic prefix.
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

namespace gatehouse::daemon {

/// Counters of the console socket.
struct ConsoleCounters {
    std::uint64_t published = 0;    ///< Messages handed to the socket.
    /// Times a console's queue was found full. ZeroMQ drops for that console from then until it has read half its
    /// queue, and reports no per-console count, so this counts overflows: each one lost that console at least one
    /// message (usually a run of them).
    std::uint64_t overflows = 0;
    std::uint64_t subscribed_topics = 0;  ///< Distinct topic prefixes consoles are subscribed to now.
    std::uint64_t refused_subscriptions = 0;  ///< Subscriptions outside the console's scope (not applied).
    std::uint64_t reopens = 0;  ///< Times every console was cut off by reopen() (a reload that revoked one).
};

/// Console id (its CURVE key's ZAP user id) → the topic prefixes it may subscribe to; "" permits everything.
using ConsoleScopes = std::map<std::string, std::vector<std::string>>;

/// How the console socket authenticates: with a `curve_secret_key` it is a CURVE server (ZAP domain "consoles")
/// and applies only the subscriptions within each console's scope.
struct ConsoleSecurity {
    std::string curve_secret_key;
    ConsoleScopes scopes;
};

/// An XPUB socket: each message is two frames, [topic][JSON]. A console that does not read fills its own
/// queue (ZMQ_SNDHWM) and then loses messages; the gate never waits for it. Overflows are counted: a send is
/// first tried in no-drop mode, and when some subscriber's queue is full it is counted and sent again in the
/// normal (lossy) mode, which still reaches every console with room.
/// On a CURVE socket subscriptions are applied by hand (ZMQ_XPUB_MANUAL): a console gets only the topics its
/// scope permits; refused subscriptions are counted and logged (rate-limited).
/// Thread-safety: none; owned by the reactor.
class ConsolePublisher {
public:
    static constexpr const char* kZapDomain = "consoles";

    /// Binds `endpoint`; throws std::runtime_error naming it when that fails.
    ConsolePublisher(zmq::context_t& context, const std::string& endpoint, int queue_per_console,
                     ConsoleSecurity security = {});

    /// New scopes (reload); they apply to subscriptions made from now on.
    void set_scopes(ConsoleScopes scopes) { security_.scopes = std::move(scopes); }
    /// Closes the socket, which cuts every console, and binds a new one at the same address with `scopes`.
    /// Consoles reconnect by themselves (ZeroMQ) and resubscribe; the handshake and each subscription are then
    /// checked against the current keys and scopes. This is how a reload revokes a console: libzmq cannot drop
    /// one XPUB peer, and one admitted before keeps its connection and its subscriptions. Live messages published
    /// until a console is back are missed by it (they are in the ledger). Throws std::runtime_error when the
    /// address cannot be bound again within a few seconds.
    void reopen(ConsoleScopes scopes);

    /// Queue length per console for consoles that connect from now on (ZMQ_SNDHWM applies to new connections only).
    void set_queue(int queue_per_console);

    void publish(std::string_view topic, const std::string& json);
    /// Reads one subscription change, if one is queued (call while the socket is readable), to keep the subscription
    /// count and, on a CURVE socket, to apply it within the console's scope. False when none was queued.
    bool read_subscription();
    /// Whether some console's subscription could match a topic starting with `prefix` (so building those
    /// messages is not wasted).
    bool has_subscriber(std::string_view prefix) const;

    zmq::socket_t& socket() { return socket_; }
    std::string bound_endpoint() const;
    const ConsoleCounters& counters() const { return counters_; }

private:
    void open_socket();
    bool send(std::string_view topic, const std::string& json);
    bool permitted(const std::string& console, const std::string& topic) const;
    void apply_manually(const zmq::message_t& message, bool subscribe, const std::string& topic);

    zmq::context_t& context_;
    int queue_per_console_;
    zmq::socket_t socket_;
    ConsoleCounters counters_;
    std::multiset<std::string> topics_;  ///< distinct subscribed prefixes (XPUB reports each once)
    ConsoleSecurity security_;
    bool manual_ = false;
    std::multiset<std::string> refused_;  ///< refused subscriptions still held by connected consoles
    std::chrono::steady_clock::time_point last_refusal_log_{};
    std::uint64_t refusals_unlogged_ = 0;
};

}  // namespace gatehouse::daemon
