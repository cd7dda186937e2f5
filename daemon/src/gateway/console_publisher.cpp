#include "gatehouse/daemon/console_publisher.hpp"

#include <cerrno>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>

#include "gatehouse/ipc/curve_keys.hpp"

namespace gatehouse::daemon {
namespace {
// Consoles send only subscriptions, which are short topic prefixes.
constexpr std::int64_t kMaxSubscriptionBytes = 4096;
constexpr auto kRefusalLogInterval = std::chrono::seconds(5);
}  // namespace

ConsolePublisher::ConsolePublisher(zmq::context_t& context, const std::string& endpoint, int queue_per_console,
                                   ConsoleSecurity security)
    : context_(context), queue_per_console_(queue_per_console), security_(std::move(security)) {
    open_socket();
    try {
        socket_.bind(endpoint);
    } catch (const zmq::error_t& e) {
        throw std::runtime_error("cannot bind console socket " + endpoint + ": " + e.what());
    }
}

void ConsolePublisher::open_socket() {
    socket_ = zmq::socket_t(context_, zmq::socket_type::xpub);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::sndhwm, queue_per_console_);
    socket_.set(zmq::sockopt::xpub_nodrop, 1);
    socket_.set(zmq::sockopt::maxmsgsize, kMaxSubscriptionBytes);
    if (!security_.curve_secret_key.empty()) {
        ipc::configure_curve_server(socket_, security_.curve_secret_key, kZapDomain);
        socket_.set(zmq::sockopt::xpub_manual, 1);
        manual_ = true;
    }
}

void ConsolePublisher::reopen(ConsoleScopes scopes) {
    const std::string endpoint = bound_endpoint();
    socket_.close();
    security_.scopes = std::move(scopes);
    topics_.clear();
    refused_.clear();
    counters_.subscribed_topics = 0;
    ++counters_.reopens;
    open_socket();
    // libzmq closes the old listener on its I/O thread, a moment after close() returned: until then the
    // address is still taken.
    constexpr auto kRebindLimit = std::chrono::seconds(5);
    const auto deadline = std::chrono::steady_clock::now() + kRebindLimit;
    for (;;) {
        try {
            socket_.bind(endpoint);
            return;
        } catch (const zmq::error_t& e) {
            if (e.num() != EADDRINUSE || std::chrono::steady_clock::now() > deadline) {
                throw std::runtime_error("cannot bind console socket " + endpoint + " again: " + e.what());
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::string ConsolePublisher::bound_endpoint() const { return socket_.get(zmq::sockopt::last_endpoint); }

bool ConsolePublisher::send(std::string_view topic, const std::string& json) {
    // In no-drop mode a full queue refuses the first frame, so a refused message was sent to no one.
    if (!socket_.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return false;
    (void)socket_.send(zmq::buffer(json), zmq::send_flags::dontwait);
    return true;
}

void ConsolePublisher::publish(std::string_view topic, const std::string& json) {
    ++counters_.published;
    if (send(topic, json)) return;
    ++counters_.overflows;
    socket_.set(zmq::sockopt::xpub_nodrop, 0);
    (void)send(topic, json);
    socket_.set(zmq::sockopt::xpub_nodrop, 1);
}

bool ConsolePublisher::permitted(const std::string& console, const std::string& topic) const {
    const auto scope = security_.scopes.find(console);
    if (scope == security_.scopes.end()) return false;
    for (const auto& prefix : scope->second) {
        if (topic.starts_with(prefix)) return true;
    }
    return false;
}

// In manual mode a subscription takes effect only once it is set on the socket, and then for the console that
// sent the message just read. An unsubscription without metadata is libzmq's own, for a console that disconnected
// (it removes that console's subscriptions itself); which of them had been refused is not known any more, so a
// refused copy of the topic is retired first: the count of applied topics may stay too high (harmless: it only
// decides whether events are built), never too low.
void ConsolePublisher::apply_manually(const zmq::message_t& message, bool subscribe, const std::string& topic) {
    const char* user = zmq_msg_gets(message.handle(), "User-Id");
    if (!subscribe) {
        if (user) socket_.set(zmq::sockopt::unsubscribe, topic);
        const bool was_refused = user ? !permitted(user, topic) : refused_.count(topic) > 0;
        auto& from = was_refused ? refused_ : topics_;
        if (auto it = from.find(topic); it != from.end()) from.erase(it);
        return;
    }
    if (user && permitted(user, topic)) {
        socket_.set(zmq::sockopt::subscribe, topic);
        topics_.insert(topic);
        return;
    }
    ++counters_.refused_subscriptions;
    refused_.insert(topic);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_log_ < kRefusalLogInterval) {
        ++refusals_unlogged_;
        return;
    }
    const char* address = zmq_msg_gets(message.handle(), "Peer-Address");
    spdlog::warn("console '{}' from {} may not subscribe to '{}' (outside its [[consoles]] topics); not applied{}",
                 user ? user : "?", address ? address : "?", topic,
                 refusals_unlogged_ ? " (" + std::to_string(refusals_unlogged_) + " similar refusals not logged)" : "");
    last_refusal_log_ = now;
    refusals_unlogged_ = 0;
}

bool ConsolePublisher::read_subscription() {
    zmq::message_t message;
    if (!socket_.recv(message, zmq::recv_flags::dontwait)) return false;
    // A console's SUB sends only subscriptions; anything else (a raw XSUB or DEALER peer) is not one and is skipped.
    if (message.size() == 0) return true;
    const auto* bytes = static_cast<const char*>(message.data());
    if (bytes[0] != 0 && bytes[0] != 1) return true;
    std::string topic(bytes + 1, message.size() - 1);
    if (manual_) {
        apply_manually(message, bytes[0] == 1, topic);
    } else if (bytes[0] == 1) {
        topics_.insert(std::move(topic));
    } else if (auto it = topics_.find(topic); it != topics_.end()) {
        topics_.erase(it);
    }
    counters_.subscribed_topics = topics_.size();
    return true;
}

void ConsolePublisher::set_queue(int queue_per_console) {
    queue_per_console_ = queue_per_console;
    socket_.set(zmq::sockopt::sndhwm, queue_per_console_);
}

bool ConsolePublisher::has_subscriber(std::string_view prefix) const {
    for (const auto& t : topics_) {
        if (prefix.starts_with(t) || std::string_view(t).starts_with(prefix)) return true;
    }
    return false;
}

}  // namespace gatehouse::daemon
