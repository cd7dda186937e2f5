#include "gatehouse/daemon/reactor.hpp"

#include <algorithm>

namespace gatehouse::daemon {

void Reactor::watch(std::string name, std::function<zmq::socket_t*()> socket, Handler on_readable,
                    std::function<bool()> enabled) {
    watched_.push_back({std::move(name), std::move(socket), -1, std::move(on_readable), std::move(enabled)});
}

void Reactor::watch_fd(std::string name, int fd, Handler on_readable) {
    watched_.push_back({std::move(name), {}, fd, std::move(on_readable), {}});
}

void Reactor::poll_once(std::chrono::steady_clock::time_point until) {
    items_.clear();
    std::vector<const Watched*> polled;
    for (const auto& w : watched_) {
        if (w.enabled && !w.enabled()) continue;
        if (w.socket) {
            zmq::socket_t* s = w.socket();
            if (!s) continue;
            items_.push_back({s->handle(), 0, ZMQ_POLLIN, 0});
        } else {
            items_.push_back({nullptr, w.fd, ZMQ_POLLIN, 0});
        }
        polled.push_back(&w);
    }
    const auto timeout = std::max(std::chrono::milliseconds(0), std::chrono::ceil<std::chrono::milliseconds>(
                                                                    until - std::chrono::steady_clock::now()));
    try {
        zmq::poll(items_.data(), items_.size(), timeout);
    } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) return;  // a signal: the caller's loop looks at its flags and polls again
        throw;
    }
    for (std::size_t i = 0; i < polled.size(); ++i) {
        if (!(items_[i].revents & ZMQ_POLLIN)) continue;
        boundary_.run(polled[i]->name.c_str(), polled[i]->on_readable);
    }
}

}  // namespace gatehouse::daemon
