#include "gatehouse/ipc/terminal_endpoint.hpp"

#include <stdexcept>

#include "gatehouse/ipc/curve_keys.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/ipc/zap_handler.hpp"

namespace gatehouse::ipc {

namespace {
constexpr std::int64_t kHardLimitFactor = 16;
}

TerminalEndpoint::TerminalEndpoint(zmq::context_t& context, const std::string& endpoint,
                                   std::size_t max_message_bytes, const std::string& curve_secret_key)
    : socket_(context, zmq::socket_type::router), max_message_bytes_(max_message_bytes) {
    // Mandatory routing turns a reply to a vanished peer into an error we can count instead of a silent drop.
    socket_.set(zmq::sockopt::router_mandatory, 1);
    socket_.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(max_message_bytes) * kHardLimitFactor);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::rcvhwm, 100000);
    socket_.set(zmq::sockopt::sndhwm, 100000);
    if (!curve_secret_key.empty()) configure_curve_server(socket_, curve_secret_key, kZapDomain);
    try {
        socket_.bind(endpoint);
    } catch (const zmq::error_t& e) {
        throw std::runtime_error("cannot bind terminal socket " + endpoint + ": " + e.what());
    }
}

std::optional<InboundFrame> TerminalEndpoint::try_receive() {
    zmq::message_t id;
    if (!socket_.recv(id, zmq::recv_flags::dontwait)) return std::nullopt;
    InboundFrame frame;
    frame.peer.assign(static_cast<const char*>(id.data()), id.size());
    if (!id.more()) return frame;  // routing id alone: an empty message, which decodes as malformed
    // A ROUTER delivers a multipart message atomically, so the remaining parts are already queued.
    zmq::message_t part;
    (void)socket_.recv(part, zmq::recv_flags::none);
    frame.size = part.size();
    // Only a CURVE connection has a User-Id (set by the ZAP handler); gets() throws when the property is absent.
    if (const char* user = zmq_msg_gets(part.handle(), "User-Id")) frame.user_id = user;
    if (const char* key = zmq_msg_gets(part.handle(), ZapHandler::kKeyProperty)) frame.public_key = key;
    frame.oversize = part.size() > max_message_bytes_;
    if (frame.oversize) {
        frame.oversize_context = read_message_context(part.to_string_view());
    } else {
        frame.payload.assign(static_cast<const char*>(part.data()), part.size());
    }
    while (part.more()) {
        frame.multipart = true;
        (void)socket_.recv(part, zmq::recv_flags::none);
    }
    return frame;
}

bool TerminalEndpoint::send(std::string_view peer, std::string_view payload) {
    try {
        if (!socket_.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
            ++counters_.replies_undeliverable;
            return false;
        }
        socket_.send(zmq::buffer(payload), zmq::send_flags::dontwait);
        return true;
    } catch (const zmq::error_t&) {
        // EHOSTUNREACH: the peer disconnected; it will resend unacked events after reconnecting.
        ++counters_.replies_undeliverable;
        return false;
    }
}

std::string TerminalEndpoint::bound_endpoint() const { return socket_.get(zmq::sockopt::last_endpoint); }

}  // namespace gatehouse::ipc
