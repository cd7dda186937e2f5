#pragma once
// The HTTP endpoint Prometheus scrapes (GET /metrics).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace httplib {
class Server;
struct Response;
}

namespace gatehouse::daemon {

/// Serves GET /metrics on HOST:PORT from its own thread; `render` produces the exposition text (or nullopt,
/// answered 503, when the gateway cannot answer in time). A request that fails while it is answered gets a 500 and is
/// counted (failures()); other paths get 404, bodies over 64 KiB 413. Port 0 picks a free port. Throws at
/// construction when the address cannot be bound. Thread-safety: `render` is called from the server's threads;
/// failures() from any thread.
class MetricsServer {
public:
    MetricsServer(const std::string& listen, std::function<std::optional<std::string>()> render);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    /// "HOST:PORT" actually bound.
    const std::string& address() const { return address_; }
    /// Requests answered 500 because answering them failed.
    std::uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }

private:
    void contained(httplib::Response& response, const std::string& reason);

    std::atomic<std::uint64_t> failures_{0};
    std::atomic<std::int64_t> last_log_{0};
    std::unique_ptr<httplib::Server> server_;
    std::string address_;
    std::thread thread_;
};

}  // namespace gatehouse::daemon
