#pragma once
// A scripted gate terminal (ZeroMQ DEALER) for integration tests: send frames, read typed replies.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "gatehouse/ipc/curve_keys.hpp"

namespace gatehouse::test {

class TestTerminal {
public:
    TestTerminal(zmq::context_t& context, const std::string& endpoint, std::string id)
        : id_(std::move(id)), socket_(context, zmq::socket_type::dealer) {
        socket_.set(zmq::sockopt::linger, 0);
        socket_.connect(endpoint);
    }
    /// A CURVE terminal: its own key pair, trusting only `server_public_key`.
    TestTerminal(zmq::context_t& context, const std::string& endpoint, std::string id, const ipc::CurveKeyPair& key,
                 const std::string& server_public_key)
        : id_(std::move(id)), socket_(context, zmq::socket_type::dealer) {
        socket_.set(zmq::sockopt::linger, 0);
        ipc::configure_curve_client(socket_, key, server_public_key);
        socket_.connect(endpoint);
    }

    const std::string& id() const { return id_; }

    void send_raw(const std::string& frame) { socket_.send(zmq::buffer(frame), zmq::send_flags::none); }
    void send(const nlohmann::json& message) { send_raw(message.dump()); }

    nlohmann::json event(std::int64_t seq, const std::string& kind = "credential",
                         nlohmann::json data = {{"person", "E1001"}, {"method", "card"}}) const {
        return {{"v", 1},  {"type", "event"}, {"terminal", id_}, {"seq", seq}, {"ts", "2026-11-22T08:00:00.000Z"},
                {"kind", kind}, {"data", std::move(data)}};
    }
    void send_event(std::int64_t seq) { send(event(seq)); }

    /// Next reply, or nullopt after `timeout`.
    std::optional<nlohmann::json> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, timeout) <= 0) return std::nullopt;
        zmq::message_t msg;
        (void)socket_.recv(msg, zmq::recv_flags::none);
        return nlohmann::json::parse(msg.to_string_view());
    }
    nlohmann::json expect_reply(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        auto reply = receive(timeout);
        if (!reply) throw std::runtime_error("terminal " + id_ + ": no reply within timeout");
        return *reply;
    }
    nlohmann::json hello() {
        send({{"v", 1}, {"type", "hello"}, {"terminal", id_}, {"kind", "card_reader"}, {"firmware", "test-1.0"}});
        return expect_reply();
    }

private:
    std::string id_;
    zmq::socket_t socket_;
};

}  // namespace gatehouse::test
