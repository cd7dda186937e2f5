#include "web/gateway_client.hpp"

namespace gatehouse::daemon::web {

std::optional<nlohmann::json> GatewayClient::request(const nlohmann::json& request,
                                                     std::chrono::milliseconds timeout) const {
    zmq::socket_t socket(context_, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    socket.connect(endpoint_);
    socket.send(zmq::message_t(), zmq::send_flags::sndmore);
    socket.send(zmq::buffer(request.dump()), zmq::send_flags::none);
    zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, timeout) <= 0) return std::nullopt;
    zmq::message_t delimiter, body;
    if (!socket.recv(delimiter, zmq::recv_flags::dontwait) || !delimiter.more() ||
        !socket.recv(body, zmq::recv_flags::dontwait)) {
        return std::nullopt;
    }
    auto reply = nlohmann::json::parse(body.to_string_view(), nullptr, false);
    if (reply.is_discarded() || !reply.is_object()) return std::nullopt;
    return reply;
}

}  // namespace gatehouse::daemon::web
