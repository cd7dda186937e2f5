// The ZAP handler against real CURVE sockets on 127.0.0.1: listed keys get in with their user id, others do not.
#include <catch2/catch.hpp>

#include <mutex>
#include <thread>
#include <vector>

#include "gatehouse/ipc/curve_keys.hpp"
#include "gatehouse/ipc/terminal_endpoint.hpp"
#include "gatehouse/ipc/zap_handler.hpp"

using namespace gatehouse::ipc;

namespace {

using Clock = std::chrono::steady_clock;

template <typename Condition>
bool eventually(Condition condition, std::chrono::seconds limit = std::chrono::seconds(10)) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

std::optional<InboundFrame> receive(TerminalEndpoint& endpoint, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
        if (auto f = endpoint.try_receive()) return f;
        zmq::pollitem_t item{endpoint.socket().handle(), 0, ZMQ_POLLIN, 0};
        zmq::poll(&item, 1, std::chrono::milliseconds(50));
    }
    return std::nullopt;
}

struct Refusals {
    std::mutex mutex;
    std::vector<ZapRefusal> seen;
    std::size_t size() {
        const std::lock_guard lock(mutex);
        return seen.size();
    }
};

}  // namespace

TEST_CASE("ZAP: a listed key connects and its messages carry its user id, an unknown key is refused",
          "[ipc][curve][zap]") {
    const CurveKeyPair server = generate_curve_keypair();
    const CurveKeyPair t1 = generate_curve_keypair();
    const CurveKeyPair stranger = generate_curve_keypair();
    zmq::context_t context(1);
    Refusals refusals;
    ZapHandler zap(context, {{TerminalEndpoint::kZapDomain, {{t1.public_key, "t1"}}}}, [&](const ZapRefusal& r) {
        const std::lock_guard lock(refusals.mutex);
        refusals.seen.push_back(r);
    });
    TerminalEndpoint endpoint(context, "tcp://127.0.0.1:*", 1024, server.secret_key);

    zmq::socket_t good(context, zmq::socket_type::dealer);
    good.set(zmq::sockopt::linger, 0);
    configure_curve_client(good, t1, server.public_key);
    good.connect(endpoint.bound_endpoint());
    good.send(zmq::str_buffer("hello"), zmq::send_flags::none);
    const auto frame = receive(endpoint, std::chrono::seconds(10));
    REQUIRE(frame);
    CHECK(frame->payload == "hello");
    CHECK(frame->user_id == "t1");
    CHECK(frame->public_key == t1.public_key);  // the key it was admitted with, to check against later reloads
    CHECK(endpoint.send(frame->peer, "welcome"));
    zmq::message_t reply;
    REQUIRE(good.recv(reply));
    CHECK(reply.to_string() == "welcome");

    zmq::socket_t bad(context, zmq::socket_type::dealer);
    bad.set(zmq::sockopt::linger, 0);
    configure_curve_client(bad, stranger, server.public_key);
    bad.connect(endpoint.bound_endpoint());
    bad.send(zmq::str_buffer("let me in"), zmq::send_flags::dontwait);
    REQUIRE(eventually([&] { return refusals.size() >= 1; }));
    {
        const std::lock_guard lock(refusals.mutex);
        CHECK(refusals.seen[0].domain == "terminals");
        CHECK(refusals.seen[0].address == "127.0.0.1");
        CHECK(refusals.seen[0].mechanism == "CURVE");
        CHECK(refusals.seen[0].public_key == stranger.public_key);
    }
    CHECK(zap.counters().accepted == 1);
    CHECK(zap.counters().refused >= 1);
    // The refused handshake delivered nothing (libzmq retries the connection; each retry is refused again).
    CHECK_FALSE(receive(endpoint, std::chrono::milliseconds(300)));
}

TEST_CASE("ZAP: a key is admitted only in its own domain, and a reloaded policy applies to new handshakes",
          "[ipc][curve][zap]") {
    const CurveKeyPair server = generate_curve_keypair();
    const CurveKeyPair console = generate_curve_keypair();
    zmq::context_t context(1);
    ZapHandler zap(context, {{"consoles", {{console.public_key, "guard"}}}});
    TerminalEndpoint endpoint(context, "tcp://127.0.0.1:*", 1024, server.secret_key);

    zmq::socket_t client(context, zmq::socket_type::dealer);
    client.set(zmq::sockopt::linger, 0);
    configure_curve_client(client, console, server.public_key);
    client.connect(endpoint.bound_endpoint());
    client.send(zmq::str_buffer("as a terminal"), zmq::send_flags::dontwait);
    REQUIRE(eventually([&] { return zap.counters().refused >= 1; }));
    CHECK_FALSE(receive(endpoint, std::chrono::milliseconds(300)));

    zap.update_policy({{"consoles", {{console.public_key, "guard"}}}, {"terminals", {{console.public_key, "t9"}}}});
    zmq::socket_t again(context, zmq::socket_type::dealer);
    again.set(zmq::sockopt::linger, 0);
    configure_curve_client(again, console, server.public_key);
    again.connect(endpoint.bound_endpoint());
    again.send(zmq::str_buffer("now listed"), zmq::send_flags::none);
    const auto frame = receive(endpoint, std::chrono::seconds(10));
    REQUIRE(frame);
    CHECK(frame->payload == "now listed");
    CHECK(frame->user_id == "t9");
    CHECK(zap.counters().accepted == 1);
}

TEST_CASE("without CURVE a frame has no user id and no key", "[ipc][curve]") {
    zmq::context_t context(1);
    TerminalEndpoint endpoint(context, "tcp://127.0.0.1:*", 1024);
    zmq::socket_t client(context, zmq::socket_type::dealer);
    client.set(zmq::sockopt::linger, 0);
    client.connect(endpoint.bound_endpoint());
    client.send(zmq::str_buffer("plain"), zmq::send_flags::none);
    const auto frame = receive(endpoint, std::chrono::seconds(10));
    REQUIRE(frame);
    CHECK(frame->user_id.empty());
    CHECK(frame->public_key.empty());
}
