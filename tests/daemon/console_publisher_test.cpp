#include <catch2/catch.hpp>

#include <thread>

#include "gatehouse/daemon/console_publisher.hpp"

using gatehouse::daemon::ConsolePublisher;

namespace {

zmq::socket_t subscriber(zmq::context_t& context, const std::string& endpoint, const std::string& topic, int hwm) {
    zmq::socket_t s(context, zmq::socket_type::sub);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::rcvhwm, hwm);
    s.set(zmq::sockopt::subscribe, topic);
    s.connect(endpoint);
    return s;
}

int drain(zmq::socket_t& s) {
    int n = 0;
    zmq::message_t topic, body;
    while (s.recv(topic, zmq::recv_flags::dontwait)) {
        (void)s.recv(body);
        ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("a console that does not read overflows, counted, while another console gets every message",
          "[consoles]") {
    zmq::context_t context(1);
    ConsolePublisher publisher(context, "inproc://consoles-test", 10);
    auto stuck = subscriber(context, "inproc://consoles-test", "alert.", 10);
    auto reader = subscriber(context, "inproc://consoles-test", "alert.", 1000);
    for (int i = 0; i < 50 && publisher.counters().subscribed_topics == 0; ++i) {
        while (publisher.read_subscription()) {}
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    REQUIRE(publisher.counters().subscribed_topics == 1);  // both consoles share the one prefix
    CHECK(publisher.has_subscriber("alert.fever."));
    CHECK_FALSE(publisher.has_subscriber("event."));

    int received = 0;
    for (int i = 0; i < 200; ++i) {
        publisher.publish("alert.fever.g1", R"({"type":"alert"})");
        received += drain(reader);
    }
    CHECK(received == 200);
    CHECK(publisher.counters().published == 200);
    CHECK(publisher.counters().overflows >= 1);
    const int kept = drain(stuck);
    CHECK(kept <= 20);  // the stuck console holds at most its two queues' worth; the rest was dropped for it
}

TEST_CASE("reopen cuts every console and binds the same address again, consoles come back by themselves",
          "[consoles]") {
    zmq::context_t context(1);
    ConsolePublisher publisher(context, "tcp://127.0.0.1:*", 100);
    const std::string endpoint = publisher.bound_endpoint();
    auto console = subscriber(context, endpoint, "alert.", 100);
    // libzmq resends a SUB's subscriptions after a reconnection when its owner next calls into the socket (a
    // console does, reading), hence the empty reads.
    const auto wait_subscribed = [&] {
        for (int i = 0; i < 500 && publisher.counters().subscribed_topics == 0; ++i) {
            zmq::message_t nothing;
            CHECK_FALSE(console.recv(nothing, zmq::recv_flags::dontwait));
            while (publisher.read_subscription()) {}
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return publisher.counters().subscribed_topics;
    };
    REQUIRE(wait_subscribed() == 1);
    publisher.publish("alert.fever.g1", R"({"n":1})");
    console.set(zmq::sockopt::rcvtimeo, 5000);
    zmq::message_t topic, body;
    REQUIRE(console.recv(topic));
    REQUIRE(console.recv(body));
    CHECK(body.to_string() == R"({"n":1})");

    publisher.reopen({});
    CHECK(publisher.bound_endpoint() == endpoint);
    CHECK(publisher.counters().reopens == 1);
    CHECK(publisher.counters().subscribed_topics == 0);  // until the console has resubscribed on the new socket
    REQUIRE(wait_subscribed() == 1);
    publisher.publish("alert.fever.g1", R"({"n":2})");
    REQUIRE(console.recv(topic));
    REQUIRE(console.recv(body));
    CHECK(body.to_string() == R"({"n":2})");
    CHECK(publisher.counters().published == 2);
}
