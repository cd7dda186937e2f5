#include "gatehouse/daemon/metrics_server.hpp"

#include <stdexcept>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "gateway/bind_diagnosis.hpp"

namespace gatehouse::daemon {
namespace {
constexpr std::size_t kMaxRequestBodyBytes = 64 * 1024;
constexpr auto kLogInterval = std::chrono::seconds(5);
}  // namespace

MetricsServer::MetricsServer(const std::string& listen, std::function<std::optional<std::string>()> render)
    : server_(std::make_unique<httplib::Server>()) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error("metrics.listen '" + listen + "' is not HOST:PORT");
    const std::string host = listen.substr(0, colon);
    int port = 0;
    try {
        port = std::stoi(listen.substr(colon + 1));
    } catch (const std::exception&) {
        throw std::runtime_error("metrics.listen '" + listen + "' has no valid port");
    }
    // A scrape asks for a few kilobytes; nobody needs to send a body.
    server_->set_payload_max_length(kMaxRequestBodyBytes);
    // Each request is contained here: whatever fails while answering one, the scraper gets a 500 and the server (and
    // the gateway) go on.
    server_->Get("/metrics", [this, render](const httplib::Request&, httplib::Response& response) {
        try {
            if (auto text = render()) {
                response.set_content(*text, "text/plain; version=0.0.4; charset=utf-8");
            } else {
                response.status = 503;
                response.set_content("gateway busy, try again\n", "text/plain");
            }
        } catch (const std::exception& e) {
            contained(response, e.what());
        } catch (...) {
            contained(response, "unknown exception");
        }
    });
    server_->set_socket_options(set_exclusive_listener_options);
    const int bound = port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
    if (bound <= 0) {
        const std::string reason = diagnose_bind_failure(host, port);
        throw std::runtime_error("cannot bind the metrics endpoint " + listen + " (metrics.listen)" +
                                 (reason.empty() ? std::string() : ": " + reason));
    }
    address_ = host + ":" + std::to_string(bound);
    thread_ = std::thread([this] {
        server_->listen_after_bind();
        listen_returned_.store(true);
    });
    // A stop() that comes before the thread listens is lost, and the destructor's join would wait for ever (a
    // start-up that fails in a later subsystem tears this one down at once): return only once it listens.
    while (!server_->is_running() && !listen_returned_.load()) std::this_thread::yield();
}

void MetricsServer::contained(httplib::Response& response, const std::string& reason) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    // At most one line per interval, whatever the scrape rate (the handler runs on several threads).
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    auto last = last_log_.load(std::memory_order_relaxed);
    if (now - last >= std::chrono::steady_clock::duration(kLogInterval).count() &&
        last_log_.compare_exchange_strong(last, now)) {
        spdlog::warn("internal error while answering a metrics request (answered 500, the gateway goes on): {}", reason);
    }
    response.status = 500;
    response.set_content("internal error\n", "text/plain");
}

MetricsServer::~MetricsServer() {
    server_->stop();
    thread_.join();
}

}  // namespace gatehouse::daemon
