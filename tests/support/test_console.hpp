#pragma once
// A monitoring console for tests: a SUB socket on the gateway's console endpoint, as docs/protocol.md describes.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "gatehouse/ipc/curve_keys.hpp"

namespace gatehouse::test {

/// One message a console received: its topic and JSON body.
struct ConsoleMessage {
    std::string topic;
    nlohmann::json body;
};

class TestConsole {
public:
    /// `curve`: the console's key pair and the gateway's public key, for a CURVE console socket.
    TestConsole(zmq::context_t& context, const std::string& endpoint, const std::vector<std::string>& topics,
                const std::pair<ipc::CurveKeyPair, std::string>* curve = nullptr)
        : socket_(context, zmq::socket_type::sub) {
        socket_.set(zmq::sockopt::linger, 0);
        if (curve) ipc::configure_curve_client(socket_, curve->first, curve->second);
        for (const auto& t : topics) socket_.set(zmq::sockopt::subscribe, t);
        // A subscription takes a moment to reach the publisher; what is published before is not seen. Tests that
        // need a live message wait for it at the gateway (GatewayFixture::wait_for_console_topics).
        socket_.connect(endpoint);
    }

    std::optional<ConsoleMessage> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, timeout) <= 0) return std::nullopt;
        zmq::message_t topic, body;
        (void)socket_.recv(topic);
        (void)socket_.recv(body);
        return ConsoleMessage{topic.to_string(), nlohmann::json::parse(body.to_string_view())};
    }
    /// The next message whose topic starts with `prefix` (others are skipped); throws after `timeout`.
    ConsoleMessage expect(const std::string& prefix, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            auto m = receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
            if (m && m->topic.rfind(prefix, 0) == 0) return *m;
        }
        throw std::runtime_error("console: no '" + prefix + "' message within " + std::to_string(timeout.count()) + " ms");
    }
    /// Everything that arrives within `window`.
    std::vector<ConsoleMessage> collect(std::chrono::milliseconds window) {
        std::vector<ConsoleMessage> out;
        const auto deadline = std::chrono::steady_clock::now() + window;
        for (auto now = std::chrono::steady_clock::now(); now < deadline; now = std::chrono::steady_clock::now()) {
            if (auto m = receive(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now))) out.push_back(std::move(*m));
        }
        return out;
    }

private:
    zmq::socket_t socket_;
};

}  // namespace gatehouse::test
