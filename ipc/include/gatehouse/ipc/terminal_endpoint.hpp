#pragma once
// The gateway's ROUTER socket that gate terminals (DEALER) connect to.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <zmq.hpp>

#include "gatehouse/ipc/terminal_messages.hpp"

namespace gatehouse::ipc {

/// One frame received from a terminal connection. `peer` is the ZeroMQ routing id of the connection (not
/// the terminal id, which is inside the payload). Frames over the size limit keep only their size.
struct InboundFrame {
    std::string peer;
    /// The terminal id the connection authenticated as (the ZAP handler's user id for its CURVE key); empty on
    /// a plaintext socket.
    std::string user_id;
    /// The Z85 CURVE key the connection was admitted with (ZapHandler::kKeyProperty); empty on plaintext.
    std::string public_key;
    std::string payload;
    std::size_t size = 0;    ///< Size of the first payload frame in bytes.
    bool oversize = false;   ///< size > max_message_bytes; payload left empty.
    /// Of an oversize frame: the terminal, seq or request id it names (read in passing), for the error reply.
    MessageContext oversize_context;
    bool multipart = false;  ///< The terminal sent more than one frame; extra frames were discarded.
};

/// Counters of replies the endpoint could not deliver (peer gone, or its queue full).
struct EndpointCounters {
    std::uint64_t replies_undeliverable = 0;
};

/// Binds the terminal ROUTER socket. Frames up to `max_message_bytes` are delivered; larger ones up to the
/// transport hard limit (16× larger) are reported as oversize so the terminal gets an error reply; beyond
/// that libzmq drops the connection (ZMQ_MAXMSGSIZE) to bound memory.
/// With a `curve_secret_key` the socket is a CURVE server whose clients the context's ZAP handler admits under
/// the domain "terminals".
/// Thread-safety: none; the reactor thread owns it.
class TerminalEndpoint {
public:
    /// ZAP domain of the terminal socket.
    static constexpr const char* kZapDomain = "terminals";

    TerminalEndpoint(zmq::context_t& context, const std::string& endpoint, std::size_t max_message_bytes,
                     const std::string& curve_secret_key = {});

    /// Next frame without blocking, or nullopt when none is queued.
    std::optional<InboundFrame> try_receive();
    /// Sends one reply frame to `peer`; never blocks. Returns false (and counts) when undeliverable.
    bool send(std::string_view peer, std::string_view payload);

    /// The bound address; with a tcp port of 0 or "*", the port the OS picked.
    std::string bound_endpoint() const;
    zmq::socket_t& socket() { return socket_; }
    const EndpointCounters& counters() const { return counters_; }

private:
    zmq::socket_t socket_;
    std::size_t max_message_bytes_;
    EndpointCounters counters_;
};

}  // namespace gatehouse::ipc
