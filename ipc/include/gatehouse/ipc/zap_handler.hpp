#pragma once
// The ZAP handler (ZeroMQ RFC 27) that decides which CURVE clients may connect to the gateway's sockets.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <zmq.hpp>

namespace gatehouse::ipc {

/// Who may connect, per ZAP domain (the socket's ZMQ_ZAP_DOMAIN, e.g. "terminals"): Z85 public key → user id.
/// The user id is what the socket's messages then carry as "User-Id" metadata (a terminal id, a console id);
/// the admitted key itself they carry as ZapHandler::kKeyProperty, so that a receiver can tell a connection
/// made with a key revoked since (a reload) from one made with the current key.
using ZapPolicy = std::map<std::string, std::map<std::string, std::string>>;

/// One refused handshake, reported to the observer on the handler's thread.
struct ZapRefusal {
    std::string domain;
    std::string address;     ///< The peer's IP address, as libzmq reports it.
    std::string mechanism;   ///< "CURVE", or the mechanism a misconfigured client tried.
    std::string public_key;  ///< Z85; empty when the mechanism carries none.
};

/// Counters since start; readable from any thread.
struct ZapCounters {
    std::uint64_t accepted = 0;
    std::uint64_t refused = 0;  ///< Unknown key, wrong domain or mechanism.
};

/// Binds inproc://zeromq.zap.01 in `context` and answers every handshake of the context's CURVE sockets on its
/// own thread: a key listed for the socket's domain is admitted with its user id, anything else refused (400).
/// Construct it before binding any CURVE socket (libzmq admits everyone while no handler is bound) and destroy it
/// after them.
/// Thread-safety: update_policy() and counters() may be called from any thread; the observer runs on the
/// handler's thread.
class ZapHandler {
public:
    using Observer = std::function<void(const ZapRefusal&)>;
    /// Message property (zmq_msg_gets) holding the Z85 public key a CURVE connection was admitted with.
    static constexpr const char* kKeyProperty = "Curve-Public-Key";

    ZapHandler(zmq::context_t& context, ZapPolicy policy, Observer on_refused = {});
    ~ZapHandler();
    ZapHandler(const ZapHandler&) = delete;
    ZapHandler& operator=(const ZapHandler&) = delete;

    /// Replaces who may connect (configuration reload); takes effect for the next handshake.
    void update_policy(ZapPolicy policy);
    ZapCounters counters() const;

private:
    void serve();
    void answer(zmq::socket_t& zap);

    zmq::context_t& context_;
    Observer on_refused_;
    mutable std::mutex policy_mutex_;
    std::shared_ptr<const ZapPolicy> policy_;
    std::atomic<std::uint64_t> accepted_{0};
    std::atomic<std::uint64_t> refused_{0};
    zmq::socket_t stop_sender_;
    std::string stop_endpoint_;
    std::thread thread_;
};

}  // namespace gatehouse::ipc
