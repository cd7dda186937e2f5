#pragma once
// A scripted gate terminal (ZeroMQ DEALER) for integration tests. What it sends is encoded by ipc's terminal codec,
// the one codec of the protocol; replies are read as typed values (ipc::decode_gateway_reply) or, where a test checks
// the wire format itself, as JSON. Hand-made JSON is for what no codec would write: malformed and refused messages.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "gatehouse/ipc/curve_keys.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::test {

class TestTerminal {
public:
    /// The ts every test event carries (2026-11-22T08:00:00.000Z).
    static constexpr std::int64_t kEventTimeMs = 1'795'334'400'000;

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
    /// A hand-made message (for what the codec would refuse to write).
    void send(const nlohmann::json& message) { send_raw(message.dump()); }
    template <typename Message>
    void send(const Message& message) {
        send_raw(ipc::encode(message));
    }

    /// An event of this terminal (a card credential of E1001 unless `data` says otherwise).
    ipc::Event event(std::int64_t seq, ipc::EventData data = ipc::CredentialData{"E1001", ipc::CredentialMethod::card}) const {
        ipc::Event e;
        e.terminal = id_;
        e.seq = seq;
        e.occurred_ms = kEventTimeMs;
        e.data = std::move(data);
        return e;
    }
    /// The same event as JSON, for a test that spoils one of its fields.
    nlohmann::json event_json(std::int64_t seq,
                              ipc::EventData data = ipc::CredentialData{"E1001", ipc::CredentialMethod::card}) const {
        return nlohmann::json::parse(ipc::encode(event(seq, std::move(data))));
    }
    void send_event(std::int64_t seq) { send(event(seq)); }
    /// An access request of this terminal.
    ipc::AccessRequest request(std::string request_id, std::string person,
                               ipc::CredentialMethod method = ipc::CredentialMethod::card) const {
        return {id_, std::move(request_id), std::move(person), method, std::nullopt, std::nullopt};
    }

    /// Next reply as JSON, or nullopt after `timeout`.
    std::optional<nlohmann::json> receive(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        auto frame = receive_frame(timeout);
        if (!frame) return std::nullopt;
        return nlohmann::json::parse(*frame);
    }
    /// The next reply; throws after `timeout`, which bounds a broken daemon (a sanitizer build on a loaded machine
    /// can take seconds for one group commit), not a slow one.
    nlohmann::json expect_reply(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        auto reply = receive(timeout);
        if (!reply) throw std::runtime_error("terminal " + id_ + ": no reply within timeout");
        return *reply;
    }
    /// Next reply decoded by the terminal side of the codec, or nullopt after `timeout`.
    std::optional<ipc::GatewayReply> receive_reply(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        auto frame = receive_frame(timeout);
        if (!frame) return std::nullopt;
        return ipc::decode_gateway_reply(*frame);
    }
    /// The next reply, which must be a `Reply` (throws otherwise).
    template <typename Reply>
    Reply expect(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        auto reply = receive_reply(timeout);
        if (!reply) throw std::runtime_error("terminal " + id_ + ": no reply within timeout");
        if (const auto* r = std::get_if<Reply>(&*reply)) return *r;
        throw std::runtime_error("terminal " + id_ + ": unexpected reply");
    }
    nlohmann::json hello() {
        send(ipc::Hello{id_, "card_reader", "test-1.0"});
        return expect_reply();
    }

private:
    std::optional<std::string> receive_frame(std::chrono::milliseconds timeout) {
        zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, timeout) <= 0) return std::nullopt;
        zmq::message_t msg;
        (void)socket_.recv(msg, zmq::recv_flags::none);
        return msg.to_string();
    }

    std::string id_;
    zmq::socket_t socket_;
};

}  // namespace gatehouse::test
