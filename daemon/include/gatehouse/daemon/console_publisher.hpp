#pragma once
// The socket monitoring consoles subscribe to: alerts, decisions, screenings and events, by topic prefix.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

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
};

/// An XPUB socket: each message is two frames, [topic][JSON]. A console that does not read fills its own
/// queue (ZMQ_SNDHWM) and then loses messages; the gate never waits for it. Overflows are counted: a send is
/// first tried in no-drop mode, and when some subscriber's queue is full it is counted and sent again in the
/// normal (lossy) mode, which still reaches every console with room.
/// Thread-safety: none; owned by the reactor.
class ConsolePublisher {
public:
    /// Binds `endpoint`; throws std::runtime_error naming it when that fails.
    ConsolePublisher(zmq::context_t& context, const std::string& endpoint, int queue_per_console);

    void publish(std::string_view topic, const std::string& json);
    /// Reads subscription changes (call when the socket is readable) to keep the subscription count.
    void drain_subscriptions();
    /// Whether some console's subscription could match a topic starting with `prefix` (so building those
    /// messages is not wasted).
    bool has_subscriber(std::string_view prefix) const;

    zmq::socket_t& socket() { return socket_; }
    std::string bound_endpoint() const;
    const ConsoleCounters& counters() const { return counters_; }

private:
    bool send(std::string_view topic, const std::string& json);

    zmq::socket_t socket_;
    ConsoleCounters counters_;
    std::multiset<std::string> topics_;  ///< distinct subscribed prefixes (XPUB reports each once)
};

}  // namespace gatehouse::daemon
