#include "gatehouse/daemon/metrics_server.hpp"

#include <stdexcept>

#include <httplib.h>

namespace gatehouse::daemon {

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
    server_->Get("/metrics", [render](const httplib::Request&, httplib::Response& response) {
        if (auto text = render()) {
            response.set_content(*text, "text/plain; version=0.0.4; charset=utf-8");
        } else {
            response.status = 503;
            response.set_content("gateway busy, try again\n", "text/plain");
        }
    });
    const int bound = port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
    if (bound <= 0) throw std::runtime_error("cannot bind the metrics endpoint " + listen);
    address_ = host + ":" + std::to_string(bound);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
}

MetricsServer::~MetricsServer() {
    server_->stop();
    thread_.join();
}

}  // namespace gatehouse::daemon
