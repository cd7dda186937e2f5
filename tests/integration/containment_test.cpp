// No input on any socket ends the daemon (issue 14). Every documented message, on every socket the daemon serves
// (terminals, console subscriptions, control, metrics HTTP), with each field replaced by each JSON type and edge
// value; after each one the daemon must still answer a terminal's heartbeat, and in the end every message has had its
// one answer and no failure had to be contained (internal_errors stays empty: a contained failure is a defect too).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <optional>

#include "gatehouse/ipc/terminal_codec.hpp"
#include "gateway_fixture.hpp"
#include "test_console.hpp"
#include "test_terminal.hpp"

using namespace gatehouse::test;
using nlohmann::json;
namespace ipc = gatehouse::ipc;

namespace {

/// What replaces a field: null, booleans, numbers (0, -1, 1.5, 2^63, 1e308), strings (empty, 300 bytes, with NUL),
/// arrays and objects.
std::vector<json> replacement_values() {
    return {json(nullptr),
            json(true),
            json(false),
            json(0),
            json(-1),
            json(1.5),
            json(9223372036854775808ull),
            json(1e308),
            json(""),
            json(std::string(300, 'x')),
            json(std::string("a\0b", 3)),
            json::array({1, "x", nullptr}),
            json::object({{"k", json::object({{"nested", 1}})}})};
}

/// Every path of an object's members, nested objects included ("data.person").
void paths(const json& object, const std::string& prefix, std::vector<std::vector<std::string>>& out,
           std::vector<std::string> at = {}) {
    for (const auto& [key, value] : object.items()) {
        auto path = at;
        path.push_back(key);
        out.push_back(path);
        if (value.is_object()) paths(value, prefix + key + ".", out, path);
    }
}

json with(json message, const std::vector<std::string>& path, const json* value) {
    json* parent = &message;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) parent = &(*parent)[path[i]];
    if (value) {
        (*parent)[path.back()] = *value;
    } else {
        parent->erase(path.back());  // and the field absent
    }
    return message;
}

/// Each message with each of its fields replaced by each value, and removed.
std::vector<json> variants(const json& message) {
    std::vector<std::vector<std::string>> all;
    paths(message, "", all);
    std::vector<json> out;
    const auto values = replacement_values();
    for (const auto& path : all) {
        for (const auto& v : values) out.push_back(with(message, path, &v));
        out.push_back(with(message, path, nullptr));
    }
    return out;
}

/// The daemon still serves terminals: a heartbeat on `t` is answered within 5 s. Replies to earlier messages that
/// arrive first are counted.
void expect_heartbeat(TestTerminal& t, std::size_t& other_replies) {
    t.send(ipc::Heartbeat{t.id()});
    for (;;) {
        const auto reply = t.receive_reply(std::chrono::seconds(20));
        REQUIRE(reply);  // no answer: the daemon is gone or stuck
        if (std::holds_alternative<ipc::HeartbeatReply>(*reply)) return;
        ++other_replies;
    }
}

std::uint64_t internal_errors(GatewayFixture& gw) {
    std::uint64_t n = 0;
    // Held in a variable: a range-for over items() of a temporary's member would read it after it is destroyed.
    const nlohmann::json status = gw.status();
    for (const auto& [socket, count] : status["counters"]["internal_errors"].items()) n += count.get<std::uint64_t>();
    return n;
}

/// A TCP client for the metrics endpoint: sends raw bytes and reads one response (its headers and Content-Length
/// body), or what came before the server closed or 3 s passed. The connection stays open for writing (a half-closed
/// connection is taken by the server for a client that left).
std::string raw_http(const std::string& address, const std::string& bytes) {
    const auto colon = address.rfind(':');
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
    inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    timeval timeout{3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    std::string response;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
        response.append(buf, static_cast<std::size_t>(n));
        const auto end = response.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        const auto length = response.find("Content-Length: ");
        const std::size_t body = length == std::string::npos ? 0 : std::stoul(response.substr(length + 16));
        if (response.size() >= end + 4 + body) break;
    }
    ::close(fd);
    return response;
}

}  // namespace

TEST_CASE("every terminal message with every field of every JSON type: answered, and the daemon stays",
          "[integration][containment]") {
    GatewayFixture gw(2, "[limits]\nterminal_rate = 0\n");
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    REQUIRE(t1.hello()["type"] == "welcome");
    const json event = {{"v", 1}, {"type", "event"}, {"terminal", "t1"}, {"seq", 1}, {"ts", "2026-11-22T08:00:00.000Z"},
                        {"offline", false}};
    auto event_of = [&](const char* kind, json data) {
        json e = event;
        e["kind"] = kind;
        e["data"] = std::move(data);
        return e;
    };
    const std::vector<json> messages = {
        {{"v", 1}, {"type", "hello"}, {"terminal", "t1"}, {"kind", "card_reader"}, {"firmware", "1.0"}},
        {{"v", 1}, {"type", "heartbeat"}, {"terminal", "t1"}},
        event_of("credential", {{"person", "E1"}, {"method", "card"}}),
        event_of("health_code", {{"person", "E1"}, {"color", "red"}}),
        event_of("temperature", {{"celsius", 38.2}, {"person", "E1"}}),
        event_of("door", {{"state", "forced"}}),
        event_of("tamper", {{"detail", "case opened"}}),
        event_of("fault", {{"code", "jam"}, {"detail", "card stuck"}}),
        {{"v", 1}, {"type", "access_request"}, {"terminal", "t1"}, {"request", "r1"}, {"person", "E1"},
         {"method", "card"}, {"health_code", "green"}, {"celsius", 36.6}},
    };
    std::int64_t seq = 0;
    std::size_t sent = 0, replies = 0;
    for (const auto& message : messages) {
        for (json v : variants(message)) {
            // Each event gets a seq of its own unless its seq is what is being replaced, so none is a resend.
            if (v.value("type", json()) == "event" && v.contains("seq") && v["seq"] == 1) v["seq"] = ++seq;
            CAPTURE(v.dump());
            t1.send(v);
            ++sent;
            expect_heartbeat(t1, replies);
        }
    }
    // The acks of the last events may follow their heartbeat's answer.
    while (replies < sent) {
        const auto reply = t1.receive_reply(std::chrono::seconds(5));
        REQUIRE(reply);
        ++replies;
    }
    CHECK(replies == sent);
    CHECK(gw.process().running());
    CHECK(internal_errors(gw) == 0);
    INFO(sent << " messages");
}

TEST_CASE("every control request with every field of every JSON type: answered, and the daemon stays",
          "[integration][containment][control]") {
    GatewayFixture gw(2);
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    t1.send(t1.event(1, ipc::TamperData{}));  // an open alert for the alert actions to find
    REQUIRE(t1.expect_reply()["type"] == "ack");
    const std::vector<json> requests = {
        {{"v", 1}, {"cmd", "status"}},
        {{"v", 1}, {"cmd", "metrics"}},
        {{"v", 1}, {"cmd", "reload"}},
        {{"v", 1}, {"cmd", "alerts"}},
        {{"v", 1}, {"cmd", "alert_ack"}, {"id", 1}, {"actor", "guard"}, {"note", "on my way"}},
        {{"v", 1}, {"cmd", "alert_close"}, {"id", 1}, {"actor", "guard"}, {"note", "fixed"}},
        {{"v", 1}, {"cmd", "forget_alerts"}, {"ids", {12345}}},
    };
    std::size_t replies = 0;
    for (const auto& request : requests) {
        for (const json& v : variants(request)) {
            CAPTURE(v.dump());
            const auto reply = gw.try_control(v, std::chrono::seconds(5));
            REQUIRE(reply);
            CHECK(reply->contains("ok"));
            expect_heartbeat(t1, replies);
        }
    }
    // Requests that are not JSON objects, and frames that are not control requests at all.
    for (const std::string& raw : {std::string("{not json"), std::string("[]"), std::string("\"status\""), std::string(""),
                                   std::string(10000, '['), std::string("\xff\xfe", 2)}) {
        zmq::socket_t s(gw.context(), zmq::socket_type::dealer);
        s.set(zmq::sockopt::linger, 0);
        s.connect(gw.control_endpoint());
        s.send(zmq::message_t(), zmq::send_flags::sndmore);
        s.send(zmq::buffer(raw), zmq::send_flags::none);
        zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
        CHECK(zmq::poll(&item, 1, std::chrono::seconds(5)) == 1);
        expect_heartbeat(t1, replies);
    }
    {
        zmq::socket_t s(gw.context(), zmq::socket_type::dealer);  // no delimiter, and four parts: not answered
        s.set(zmq::sockopt::linger, 0);
        s.connect(gw.control_endpoint());
        s.send(zmq::str_buffer(R"({"cmd":"status"})"), zmq::send_flags::none);
        for (int i = 0; i < 3; ++i) s.send(zmq::str_buffer("x"), zmq::send_flags::sndmore);
        s.send(zmq::str_buffer("x"), zmq::send_flags::none);
        expect_heartbeat(t1, replies);
    }
    CHECK(gw.process().running());
    CHECK(internal_errors(gw) == 0);
}

TEST_CASE("anything a console peer sends on the console socket: the daemon stays and consoles are served",
          "[integration][containment][consoles]") {
    GatewayFixture gw(2);
    TestTerminal t2(gw.context(), gw.endpoint(), "t2");
    std::size_t replies = 0;
    std::vector<std::string> frames = {"", std::string(1, '\x01'), std::string(1, '\x00'), "\x01" + std::string(300, 't'),
                                       std::string("\x01" "a\0b", 4), "\x02garbage", std::string("\x00never-subscribed", 17),
                                       std::string(5000, '\x01'), R"({"v":1,"cmd":"status"})"};
    for (const json& v : replacement_values()) frames.push_back("\x01" + v.dump());
    for (const auto& frame : frames) {
        CAPTURE(frame.size());
        zmq::socket_t raw(gw.context(), zmq::socket_type::xsub);
        raw.set(zmq::sockopt::linger, 0);
        raw.connect(gw.console_endpoint());
        raw.send(zmq::buffer(frame), zmq::send_flags::none);
        raw.send(zmq::buffer(frame), zmq::send_flags::sndmore);  // and as the first part of a multipart message
        raw.send(zmq::str_buffer("second part"), zmq::send_flags::none);
        expect_heartbeat(t2, replies);
    }
    // A well-behaved console is still served. Its subscription reaches the daemon some time after it connects, and
    // the status's topic count cannot tell it from the raw peers' subscriptions above (nor from their removal on
    // close): the door is forced again, each time a new alert, until the console hears of one.
    TestConsole console(gw.context(), gw.console_endpoint(), {"alert.door_forced."});
    std::optional<ConsoleMessage> heard;
    for (int seq = 1; seq <= 30 && !heard; ++seq) {
        t2.send(t2.event(seq, ipc::DoorData{ipc::DoorState::forced}));
        REQUIRE(t2.expect_reply()["type"] == "ack");
        heard = console.receive(std::chrono::seconds(1));
    }
    REQUIRE(heard);
    CHECK(heard->topic.rfind("alert.door_forced.g2", 0) == 0);
    CHECK(heard->body["source"] == "t2");
    CHECK(gw.process().running());
    CHECK(internal_errors(gw) == 0);
}

TEST_CASE("anything sent to the metrics endpoint: the daemon stays and /metrics still answers",
          "[integration][containment][metrics]") {
    GatewayFixture gw(2);
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    const std::string address = gw.status()["endpoints"]["metrics"].get<std::string>();
    std::size_t replies = 0;
    const std::vector<std::string> requests = {
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n" + std::string(70000, 'b'),
        "PUT /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
        "GET /metrics?" + std::string(300, 'q') + " HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nX-Huge: " + std::string(100000, 'h') + "\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: " + std::string("a\0b", 3) + "\r\n\r\n",
        "GET /metrics\r\n\r\n",
        "GET",
        std::string("\x00\xff\xfe\r\n\r\n", 7),
        "",
    };
    for (const auto& request : requests) {
        CAPTURE(request.substr(0, 40));
        (void)raw_http(address, request);
        expect_heartbeat(t1, replies);
    }
    const std::string ok = raw_http(address, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK_THAT(ok, Catch::StartsWith("HTTP/1.1 200") && Catch::Contains("gatehouse_uptime_seconds"));
    CHECK(gw.process().running());
    CHECK(internal_errors(gw) == 0);
}

TEST_CASE("regression: a tamper event with detail null is stored, acked and alerted (it used to end the daemon)",
          "[integration][containment][regression]") {
    GatewayFixture gw(2);
    TestConsole console(gw.context(), gw.console_endpoint(), {"alert."});
    gw.wait_for_console_topics(1);
    TestTerminal t2(gw.context(), gw.endpoint(), "t2");
    t2.send_raw(R"({"v":1,"type":"event","terminal":"t2","seq":1,"ts":"2026-11-22T08:00:00.000Z","kind":"tamper",)"
                R"("data":{"detail":null}})");
    t2.send_event(2);  // the rest of the batch is acked too
    const json first = t2.expect_reply();
    const json second = t2.expect_reply();
    CHECK(first == json{{"v", 1}, {"type", "ack"}, {"seq", 1}, {"duplicate", false}});
    CHECK(second["seq"] == 2);
    const auto alert = console.expect("alert.tamper.g2");
    CHECK(alert.body["text"] == "Tamper at terminal t2 (gate g2)");
    CHECK(gw.process().running());
}

TEST_CASE("regression: control requests with cmd or actor of the wrong type are refused, never fatal",
          "[integration][containment][control][regression]") {
    GatewayFixture gw(2);
    for (const json& cmd : {json(nullptr), json(5), json::array({"status"}), json::object({{"cmd", "status"}})}) {
        const auto reply = gw.control({{"v", 1}, {"cmd", cmd}});
        CHECK(reply["ok"] == false);
        CHECK_THAT(reply["error"].get<std::string>(), Catch::Contains("\"cmd\""));
    }
    for (const char* cmd : {"alert_ack", "alert_close"}) {
        const auto reply = gw.control({{"v", 1}, {"cmd", cmd}, {"id", 1}, {"actor", 42}, {"note", ""}});
        CHECK(reply["ok"] == false);
        CHECK_THAT(reply["error"].get<std::string>(), Catch::Contains("\"actor\""));
    }
    CHECK(gw.status()["gateway"] == "test-gw");
}
