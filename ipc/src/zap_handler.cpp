#include "gatehouse/ipc/zap_handler.hpp"

#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "gatehouse/ipc/curve_keys.hpp"

namespace gatehouse::ipc {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";

std::string text(const zmq::message_t& m) { return std::string(static_cast<const char*>(m.data()), m.size()); }

// ZMTP metadata (RFC 37): per property a 1-byte name length, the name, a 4-byte big-endian value length, the value.
std::string metadata(std::string_view name, std::string_view value) {
    std::string out;
    out.push_back(static_cast<char>(name.size()));
    out.append(name);
    const auto n = static_cast<std::uint32_t>(value.size());
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xff));
    out.append(value);
    return out;
}

}  // namespace

ZapHandler::ZapHandler(zmq::context_t& context, ZapPolicy policy, Observer on_refused)
    : context_(context),
      on_refused_(std::move(on_refused)),
      policy_(std::make_shared<const ZapPolicy>(std::move(policy))),
      stop_sender_(context, zmq::socket_type::pair) {
    // Bound here, not on the thread, so that no CURVE socket can accept a handshake before the handler exists.
    auto zap = std::make_unique<zmq::socket_t>(context, zmq::socket_type::rep);
    zap->set(zmq::sockopt::linger, 0);
    try {
        zap->bind(kZapEndpoint);
    } catch (const zmq::error_t& e) {
        throw std::runtime_error(std::string("cannot bind the ZAP handler (") + kZapEndpoint + "): " + e.what());
    }
    stop_endpoint_ = "inproc://gatehouse-zap-stop-" + std::to_string(reinterpret_cast<std::uintptr_t>(this));
    auto stop_receiver = std::make_unique<zmq::socket_t>(context, zmq::socket_type::pair);
    stop_receiver->bind(stop_endpoint_);
    stop_sender_.set(zmq::sockopt::linger, 0);
    stop_sender_.connect(stop_endpoint_);
    thread_ = std::thread([this, zap = std::move(zap), stop = std::move(stop_receiver)]() mutable {
        zmq::pollitem_t items[] = {{zap->handle(), 0, ZMQ_POLLIN, 0}, {stop->handle(), 0, ZMQ_POLLIN, 0}};
        for (;;) {
            zmq::poll(items, 2, std::chrono::milliseconds(-1));
            if (items[1].revents & ZMQ_POLLIN) break;
            if (items[0].revents & ZMQ_POLLIN) answer(*zap);
        }
        // The sockets close on this thread, the one that used them.
        zap.reset();
        stop.reset();
    });
}

ZapHandler::~ZapHandler() {
    // A failed send would leave the thread running forever; with an inproc PAIR whose peer is bound it cannot fail.
    (void)stop_sender_.send(zmq::str_buffer("stop"), zmq::send_flags::none);
    thread_.join();
}

void ZapHandler::update_policy(ZapPolicy policy) {
    auto next = std::make_shared<const ZapPolicy>(std::move(policy));
    const std::lock_guard lock(policy_mutex_);
    policy_ = std::move(next);
}

ZapCounters ZapHandler::counters() const { return {accepted_.load(), refused_.load()}; }

// RFC 27: version, request id, domain, address, routing id, mechanism, credentials...; the reply is version,
// request id, status code, status text, user id, metadata.
void ZapHandler::answer(zmq::socket_t& zap) {
    std::vector<zmq::message_t> frames;
    do {
        zmq::message_t frame;
        if (!zap.recv(frame, zmq::recv_flags::dontwait)) return;
        frames.push_back(std::move(frame));
    } while (frames.back().more());
    auto reply = [&zap](const std::string& request_id, const char* code, const char* status, const std::string& user,
                        const std::string& properties = {}) {
        zap.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
        zap.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
        zap.send(zmq::buffer(std::string_view(code)), zmq::send_flags::sndmore);
        zap.send(zmq::buffer(std::string_view(status)), zmq::send_flags::sndmore);
        zap.send(zmq::buffer(user), zmq::send_flags::sndmore);
        zap.send(zmq::buffer(properties), zmq::send_flags::none);
    };
    if (frames.size() < 6 || text(frames[0]) != "1.0") {
        // Not a ZAP request we understand; a REP socket must still answer before it can read the next one.
        ++refused_;
        reply(frames.size() > 1 ? text(frames[1]) : std::string(), "500", "malformed ZAP request", "");
        return;
    }
    const std::string request_id = text(frames[1]);
    ZapRefusal who{text(frames[2]), text(frames[3]), text(frames[5]), ""};
    if (who.mechanism == "CURVE" && frames.size() == 7) {
        who.public_key = z85_from_binary_key(std::string_view(static_cast<const char*>(frames[6].data()), frames[6].size()));
    }
    std::shared_ptr<const ZapPolicy> policy;
    {
        const std::lock_guard lock(policy_mutex_);
        policy = policy_;
    }
    if (!who.public_key.empty()) {
        if (const auto domain = policy->find(who.domain); domain != policy->end()) {
            if (const auto user = domain->second.find(who.public_key); user != domain->second.end()) {
                ++accepted_;
                reply(request_id, "200", "OK", user->second, metadata(kKeyProperty, who.public_key));
                return;
            }
        }
    }
    ++refused_;
    reply(request_id, "400", "key not authorised for this socket", "");
    if (on_refused_) on_refused_(who);
}

}  // namespace gatehouse::ipc
