#pragma once
// The web console as a client of the gateway's control socket, over its in-process endpoint: the same commands
// (status, alert_ack, alert_close) the `gatehouse` CLI sends, answered by the reactor between its other work.
#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

namespace gatehouse::daemon::web {

/// Sends control requests (docs/protocol.md, "Control socket"). Each request uses a socket of its own, so the web
/// threads never share one and never wait for each other; a request the reactor does not answer in time is given
/// up (its late reply is discarded with the socket).
/// Thread-safety: request() may be called from any thread.
class GatewayClient {
public:
    GatewayClient(zmq::context_t& context, std::string control_endpoint)
        : context_(context), endpoint_(std::move(control_endpoint)) {}

    /// The reply, or nullopt when none came within `timeout` (the reactor is stopping or overloaded).
    std::optional<nlohmann::json> request(const nlohmann::json& request,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

private:
    zmq::context_t& context_;
    std::string endpoint_;
};

}  // namespace gatehouse::daemon::web
