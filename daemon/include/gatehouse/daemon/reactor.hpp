#pragma once
// The gateway's loop: it only polls. What a readable socket means is the business of that socket's handler.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "gatehouse/daemon/message_boundary.hpp"

namespace gatehouse::daemon {

/// Polls the watched ZeroMQ sockets and file descriptors and calls the handler of each readable one, in the order
/// they were watched. A handler that throws is contained by the boundary (named after the socket) and the next one
/// runs. Handlers contain their own messages one by one; this is the boundary of last resort.
/// Thread-safety: none; run on one thread.
class Reactor {
public:
    using Handler = std::function<void()>;

    explicit Reactor(MessageBoundary& boundary) : boundary_(boundary) {}

    /// Watches a socket. `socket` is asked before each poll (a reload may replace the socket; null: not watched
    /// now); so is `enabled` (a full batch stops reading terminals: backpressure instead of memory growth).
    void watch(std::string name, std::function<zmq::socket_t*()> socket, Handler on_readable,
               std::function<bool()> enabled = {});
    /// Watches a file descriptor (an eventfd another thread signals).
    void watch_fd(std::string name, int fd, Handler on_readable);

    /// Waits until something is readable or `until`, then runs the handlers of what is readable.
    void poll_once(std::chrono::steady_clock::time_point until);

private:
    struct Watched {
        std::string name;
        std::function<zmq::socket_t*()> socket;
        int fd = -1;
        Handler on_readable;
        std::function<bool()> enabled;
    };

    MessageBoundary& boundary_;
    std::vector<Watched> watched_;
    std::vector<zmq::pollitem_t> items_;
};

}  // namespace gatehouse::daemon
