#include "gatehouse/daemon/console_publisher.hpp"

#include <stdexcept>

namespace gatehouse::daemon {

ConsolePublisher::ConsolePublisher(zmq::context_t& context, const std::string& endpoint, int queue_per_console)
    : socket_(context, zmq::socket_type::xpub) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::sndhwm, queue_per_console);
    socket_.set(zmq::sockopt::xpub_nodrop, 1);
    try {
        socket_.bind(endpoint);
    } catch (const zmq::error_t& e) {
        throw std::runtime_error("cannot bind console socket " + endpoint + ": " + e.what());
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

void ConsolePublisher::drain_subscriptions() {
    zmq::message_t message;
    while (socket_.recv(message, zmq::recv_flags::dontwait)) {
        if (message.size() == 0) continue;
        const auto* bytes = static_cast<const char*>(message.data());
        std::string topic(bytes + 1, message.size() - 1);
        if (bytes[0] == 1) {
            topics_.insert(std::move(topic));
        } else if (bytes[0] == 0) {
            if (auto it = topics_.find(topic); it != topics_.end()) topics_.erase(it);
        }
        counters_.subscribed_topics = topics_.size();
    }
}

bool ConsolePublisher::has_subscriber(std::string_view prefix) const {
    for (const auto& t : topics_) {
        if (prefix.starts_with(t) || std::string_view(t).starts_with(prefix)) return true;
    }
    return false;
}

}  // namespace gatehouse::daemon
