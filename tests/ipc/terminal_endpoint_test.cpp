#include <catch2/catch.hpp>

#include <thread>

#include "gatehouse/ipc/terminal_endpoint.hpp"

using gatehouse::ipc::InboundFrame;
using gatehouse::ipc::TerminalEndpoint;

namespace {

InboundFrame receive(TerminalEndpoint& endpoint) {
    for (int i = 0; i < 400; ++i) {
        if (auto frame = endpoint.try_receive()) return *frame;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    FAIL("no frame within 2 s");
    return {};
}

}  // namespace

TEST_CASE("terminal endpoint delivers frames, flags oversize and multipart, and replies", "[ipc][endpoint]") {
    zmq::context_t context(1);
    TerminalEndpoint endpoint(context, "tcp://127.0.0.1:*", 1024);
    REQUIRE(endpoint.bound_endpoint().rfind("tcp://127.0.0.1:", 0) == 0);
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.connect(endpoint.bound_endpoint());

    dealer.send(zmq::str_buffer("hello"), zmq::send_flags::none);
    InboundFrame normal = receive(endpoint);
    CHECK(normal.payload == "hello");
    CHECK_FALSE(normal.oversize);
    CHECK_FALSE(normal.multipart);

    dealer.send(zmq::buffer(std::string(2048, 'x')), zmq::send_flags::none);
    InboundFrame big = receive(endpoint);
    CHECK(big.oversize);
    CHECK(big.size == 2048);
    CHECK(big.payload.empty());

    dealer.send(zmq::str_buffer("part1"), zmq::send_flags::sndmore);
    dealer.send(zmq::str_buffer("part2"), zmq::send_flags::none);
    InboundFrame multi = receive(endpoint);
    CHECK(multi.multipart);
    CHECK(multi.payload == "part1");

    // Frames after those are intact: the extra part did not leak into the next message.
    dealer.send(zmq::str_buffer("after"), zmq::send_flags::none);
    InboundFrame after = receive(endpoint);
    CHECK(after.payload == "after");

    REQUIRE(endpoint.send(after.peer, "reply"));
    zmq::message_t reply;
    dealer.set(zmq::sockopt::rcvtimeo, 2000);
    REQUIRE(dealer.recv(reply));
    CHECK(reply.to_string() == "reply");

    CHECK_FALSE(endpoint.send("no-such-peer", "lost"));
    CHECK(endpoint.counters().replies_undeliverable == 1);
}

TEST_CASE("binding an unusable endpoint throws a message naming it", "[ipc][endpoint]") {
    zmq::context_t context(1);
    TerminalEndpoint first(context, "tcp://127.0.0.1:*", 1024);
    CHECK_THROWS_WITH(TerminalEndpoint(context, first.bound_endpoint(), 1024),
                      Catch::Contains("cannot bind terminal socket") && Catch::Contains(first.bound_endpoint()));
}
