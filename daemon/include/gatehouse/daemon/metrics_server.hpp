#pragma once
// The HTTP endpoint Prometheus scrapes (GET /metrics).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace gatehouse::daemon {

/// Serves GET /metrics on HOST:PORT from its own thread; `render` produces the exposition text (or nullopt,
/// answered 503, when the gateway cannot answer in time). Port 0 picks a free port. Throws at construction
/// when the address cannot be bound. Thread-safety: `render` is called from the server's threads.
class MetricsServer {
public:
    MetricsServer(const std::string& listen, std::function<std::optional<std::string>()> render);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    /// "HOST:PORT" actually bound.
    const std::string& address() const { return address_; }

private:
    std::unique_ptr<httplib::Server> server_;
    std::string address_;
    std::thread thread_;
};

}  // namespace gatehouse::daemon
