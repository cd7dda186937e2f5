// The real gatehoused, real ZeroMQ sockets on 127.0.0.1 and a real SQLite file.
#include <catch2/catch.hpp>

#include <set>

#include "gatehouse/storage/ledger.hpp"
#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "test_terminal.hpp"

using namespace gatehouse::test;
using gatehouse::storage::Ledger;
using nlohmann::json;

namespace {

std::int64_t stored_count(const GatewayFixture& gw, const std::string& terminal, std::int64_t seq) {
    Ledger ledger({gw.ledger_path(), /*read_only=*/true});
    gatehouse::storage::EventFilter f;
    f.terminal = terminal;
    std::int64_t n = 0;
    for (const auto& row : ledger.query_events(f)) n += row.event.seq == seq ? 1 : 0;
    return n;
}

}  // namespace

TEST_CASE("hello is welcomed with the terminal's last stored seq", "[integration][protocol]") {
    GatewayFixture gw;
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    json welcome = t1.hello();
    CHECK(welcome["type"] == "welcome");
    CHECK(welcome["last_seq"].is_null());
    CHECK(welcome["heartbeat_interval_ms"] == 5000);
    t1.send_event(5);
    REQUIRE(t1.expect_reply()["type"] == "ack");
    CHECK(t1.hello()["last_seq"] == 5);
}

TEST_CASE("an ack is sent only after the event is committed", "[integration][protocol]") {
    GatewayFixture gw;
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    for (std::int64_t seq = 1; seq <= 20; ++seq) {
        t1.send_event(seq);
        const json ack = t1.expect_reply();
        REQUIRE(ack["type"] == "ack");
        REQUIRE(ack["seq"] == seq);
        // The moment the ack arrives, an independent connection must already see the row.
        REQUIRE(stored_count(gw, "t1", seq) == 1);
    }
}

TEST_CASE("a resent event is acked again and stored once, also after a reconnect", "[integration][protocol]") {
    GatewayFixture gw;
    {
        TestTerminal t2(gw.context(), gw.endpoint(), "t2");
        t2.send_event(1);
        const json first = t2.expect_reply();
        CHECK(first == json{{"v", 1}, {"type", "ack"}, {"seq", 1}, {"duplicate", false}});
        t2.send_event(1);
        CHECK(t2.expect_reply()["duplicate"] == true);
    }
    TestTerminal reconnected(gw.context(), gw.endpoint(), "t2");
    reconnected.send_event(1);
    const json again = reconnected.expect_reply();
    CHECK(again["type"] == "ack");
    CHECK(again["duplicate"] == true);
    CHECK(stored_count(gw, "t2", 1) == 1);
    const json counters = gw.status()["counters"];
    CHECK(counters["events_stored"] == 1);
    CHECK(counters["events_duplicate"] == 2);
}

TEST_CASE("every bad-input class gets its error while good traffic on the same socket flows",
          "[integration][protocol][errors]") {
    GatewayFixture gw(3, "[limits]\nmax_message_bytes = 4096\nseq_window = 1000\n");
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    TestTerminal t3(gw.context(), gw.endpoint(), "t3");
    t3.send_event(5000);  // gives t3 a history, so the seq window applies to it
    REQUIRE(t3.expect_reply()["type"] == "ack");

    struct Bad {
        std::string frame;
        std::string code;
        std::string field;
        TestTerminal* via;
    };
    json unknown_terminal = t1.event_json(1);
    unknown_terminal["terminal"] = "intruder";
    json bad_method = t1.event_json(100);
    bad_method["data"]["method"] = "retina";
    json unknown_kind = t1.event_json(101);
    unknown_kind["kind"] = "weather";
    const std::vector<Bad> bad = {
        {"{not json", "malformed_json", "", &t1},
        {R"({"v":9,"type":"event"})", "unsupported_version", "v", &t1},
        {R"({"v":1,"type":"open_sesame","terminal":"t1"})", "unknown_type", "type", &t1},
        {unknown_kind.dump(), "unknown_kind", "kind", &t1},
        {R"({"v":1,"type":"event","terminal":"t1","seq":102,"ts":"2026-11-22T08:00:00Z","kind":"credential"})",
         "missing_field", "data", &t1},
        {bad_method.dump(), "invalid_field", "data.method", &t1},
        {std::string(5000, '{'), "message_too_large", "", &t1},
        {unknown_terminal.dump(), "unknown_terminal", "terminal", &t1},
        {t3.event_json(9000).dump(), "seq_ahead", "seq", &t3},
        {t3.event_json(3000).dump(), "seq_behind", "seq", &t3},
    };
    std::int64_t good_seq = 1;
    for (const auto& b : bad) {
        CAPTURE(b.code);
        b.via->send_raw(b.frame);
        t1.send_event(good_seq);  // good traffic interleaved on the same socket
        const json error = b.via->expect_reply();
        CHECK(error["type"] == "error");
        CHECK(error["code"] == b.code);
        CHECK(error["field"] == b.field);
        CHECK_FALSE(error["message"].get<std::string>().empty());
        const json ack = t1.expect_reply();
        CHECK(ack["type"] == "ack");
        CHECK(ack["seq"] == good_seq);
        ++good_seq;
    }
    const json status = gw.status();
    CHECK(status["counters"]["events_stored"] == good_seq - 1 + 1);
    CHECK(status["counters"]["errors"]["unknown_terminal"] == 1);
    CHECK(status["counters"]["errors"]["message_too_large"] == 1);
    // Multipart frames are refused too, and the socket keeps working.
    TestTerminal multi(gw.context(), gw.endpoint(), "t2");
    zmq::socket_t raw(gw.context(), zmq::socket_type::dealer);
    raw.set(zmq::sockopt::linger, 0);
    raw.connect(gw.endpoint());
    raw.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);
    raw.send(zmq::str_buffer("b"), zmq::send_flags::none);
    zmq::message_t reply;
    raw.set(zmq::sockopt::rcvtimeo, 5000);
    REQUIRE(raw.recv(reply));
    CHECK(json::parse(reply.to_string_view())["code"] == "multipart_message");
    CHECK(gw.process().running());
}

TEST_CASE("heartbeats are answered and a silent terminal goes offline", "[integration][presence]") {
    GatewayFixture gw(2, "[limits]\nheartbeat_interval_ms = 200\nheartbeat_timeout_ms = 600\n");
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    t1.send(gatehouse::ipc::Heartbeat{"t1"});
    CHECK(t1.expect_reply() == json{{"v", 1}, {"type", "heartbeat"}});
    auto online_of = [&](const std::string& id) {
        const json status = gw.status();
        for (const auto& t : status["terminals"]) {
            if (t["id"] == id) return t["online"].get<bool>();
        }
        FAIL("terminal missing from status");
        return false;
    };
    CHECK(online_of("t1"));
    CHECK_FALSE(online_of("t2"));  // never heard from
    // Silent for longer than heartbeat_timeout_ms: offline at the gateway's next presence check.
    CHECK(eventually([&] { return !online_of("t1"); }));
    t1.send(gatehouse::ipc::Heartbeat{"t1"});
    t1.expect_reply();
    CHECK(online_of("t1"));
    CHECK_THAT(gw.process().stderr_text(), Catch::Contains("terminal t1 offline"));
}

TEST_CASE("10,000 malformed messages in a row do not stop a good terminal's acks", "[integration][errors]") {
    GatewayFixture gw;
    TestTerminal good(gw.context(), gw.endpoint(), "t1");
    TestTerminal noisy(gw.context(), gw.endpoint(), "t2");
    for (int i = 0; i < 10000; ++i) noisy.send_raw(i % 2 ? "{\"v\":1," : "\x01\x02garbage");
    good.send_event(1);
    // The good terminal's reply may queue behind part of the flood, but it must come.
    const json ack = good.expect_reply(std::chrono::seconds(20));
    CHECK(ack["type"] == "ack");
    int errors = 0;
    while (auto r = noisy.receive(std::chrono::seconds(5))) {
        errors += (*r)["code"] == "malformed_json" ? 1 : 0;
        if (errors == 10000) break;
    }
    CHECK(errors == 10000);
    CHECK(gw.process().running());
}
