// CURVE on the real daemon (docs/security.md): who may connect, who may speak for which terminal, console scopes,
// size and rate limits, timestamp and replay checks, key files, and refusing to run TCP without CURVE.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "gateway_fixture.hpp"
#include "json_lines.hpp"
#include "test_console.hpp"
#include "test_terminal.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

using namespace gatehouse::test;
using gatehouse::ipc::CurveKeyPair;
using gatehouse::ipc::generate_curve_keypair;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace ipc = gatehouse::ipc;

namespace {

std::uint64_t error_count(GatewayFixture& gw, const std::string& code) {
    return gw.status()["counters"]["errors"].value(code, std::uint64_t{0});
}

TestTerminal curve_terminal(GatewayFixture& gw, const std::string& id, const CurveKeyPair& key) {
    return TestTerminal(gw.context(), gw.endpoint(), id, key, gw.server_key().public_key);
}

std::string console_toml(const std::string& id, const CurveKeyPair& key, const std::string& topics) {
    return "[[consoles]]\nid = \"" + id + "\"\npublic_key = \"" + key.public_key + "\"\ntopics = " + topics + "\n";
}

unsigned mode_of(const std::filesystem::path& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("CURVE: a terminal with its key is served, without a key or with an unknown key it gets nothing, and the "
          "refusal is counted and logged with the peer address",
          "[integration][security]") {
    GatewayFixture gw(3, "", "", "", Transport::curve);
    CHECK(gw.status()["security"]["mode"] == "curve");
    CHECK(gw.status()["security"]["server_public_key"] == gw.server_key().public_key);

    auto t1 = curve_terminal(gw, "t1", gw.terminal_key("t1"));
    CHECK(t1.hello()["type"] == "welcome");
    t1.send_event(1);
    CHECK(t1.expect_reply()["type"] == "ack");

    TestTerminal no_key(gw.context(), gw.endpoint(), "t2");  // plaintext against a CURVE socket
    no_key.send_event(1);
    CHECK_FALSE(no_key.receive(std::chrono::milliseconds(1500)));

    const CurveKeyPair stranger = generate_curve_keypair();
    auto unknown = curve_terminal(gw, "t3", stranger);  // claims t3, with a key nobody listed
    unknown.send_event(1);
    CHECK_FALSE(unknown.receive(std::chrono::milliseconds(1500)));
    REQUIRE(eventually([&] { return gw.status()["security"]["handshakes_refused"].get<std::uint64_t>() >= 1; }));
    REQUIRE(eventually([&] {
        const std::string log = gw.process().stderr_text();
        return log.find("refused terminals connection from 127.0.0.1: unknown CURVE key " + stranger.public_key) !=
               std::string::npos;
    }));
    const std::string metrics = gw.control({{"v", 1}, {"cmd", "metrics"}})["text"];
    CHECK_THAT(metrics, Catch::Contains("gatehouse_curve_handshakes_total{result=\"refused\"}"));
    CHECK_THAT(metrics, Catch::Contains("gatehouse_insecure_plaintext 0"));
    // Nothing from either reached the ledger; the good terminal's event did.
    const json s = gw.status();
    CHECK(s["counters"]["events_stored"] == 1);
    CHECK(s["counters"]["frames"] == 2);
}

TEST_CASE("CURVE: a terminal's key speaks only for its own terminal id (and so its gate)", "[integration][security]") {
    GatewayFixture gw(3, "", "", "", Transport::curve);
    auto t2 = curve_terminal(gw, "t2", gw.terminal_key("t2"));
    TestTerminal impostor(gw.context(), gw.endpoint(), "t1", gw.terminal_key("t2"), gw.server_key().public_key);
    impostor.send_event(7);  // t2's key, t1's id (t1 is on g1)
    const json refused = impostor.expect_reply();
    CHECK(refused["type"] == "error");
    CHECK(refused["code"] == "not_authorized");
    CHECK(refused["seq"] == 7);
    CHECK_THAT(refused["message"].get<std::string>(), Catch::Contains("belongs to terminal 't2'"));
    impostor.send(gatehouse::ipc::AccessRequest{"t1", "r1", "E1", gatehouse::ipc::CredentialMethod::card,
                                                gatehouse::ipc::HealthCodeColor::green, std::nullopt});
    CHECK(impostor.expect_reply()["code"] == "not_authorized");
    impostor.hello();
    CHECK(error_count(gw, "not_authorized") == 3);
    // Speaking for itself, the same key is fine.
    CHECK(t2.hello()["type"] == "welcome");
    t2.send_event(1);
    CHECK(t2.expect_reply()["type"] == "ack");
    const json s = gw.status();
    CHECK(s["counters"]["events_stored"] == 1);
    for (const auto& t : s["terminals"]) {
        if (t["id"] == "t1") CHECK(t["online"] == false);  // never heard from: the impostor did not count as t1
    }
}

TEST_CASE("CURVE: a console gets only the topics its scope permits, refused subscriptions are counted",
          "[integration][security][consoles]") {
    const CurveKeyPair guard_key = generate_curve_keypair();
    const CurveKeyPair curious_key = generate_curve_keypair();
    GatewayFixture gw(2,
                      console_toml("guard", guard_key, "[\"alert.\"]") +
                          console_toml("curious", curious_key, "[\"decision.\"]"),
                      "", "", Transport::curve);
    const std::pair<CurveKeyPair, std::string> guard_id{guard_key, gw.server_key().public_key};
    const std::pair<CurveKeyPair, std::string> curious_id{curious_key, gw.server_key().public_key};
    TestConsole guard(gw.context(), gw.console_endpoint(), {"alert."}, &guard_id);
    TestConsole curious(gw.context(), gw.console_endpoint(), {"alert.", "decision."}, &curious_id);
    REQUIRE(eventually([&] { return gw.status()["security"]["console_subscriptions_refused"] == 1; }));
    // Both applied subscriptions (guard's alert., curious' decision.) are in place before anything is published.
    REQUIRE(eventually([&] { return gw.status()["consoles"]["subscribed_topics"].get<int>() >= 2; }));

    auto t1 = curve_terminal(gw, "t1", gw.terminal_key("t1"));
    auto t2 = curve_terminal(gw, "t2", gw.terminal_key("t2"));
    t2.send(t2.event(1, ipc::DoorData{ipc::DoorState::held_open}));
    CHECK(t2.expect_reply()["type"] == "ack");
    CHECK(guard.expect("alert.door_held_open.g2").body["source"] == "t2");
    t1.send(gatehouse::ipc::AccessRequest{"t1", "r1", "E1", gatehouse::ipc::CredentialMethod::card,
                                          gatehouse::ipc::HealthCodeColor::green, std::nullopt});
    CHECK(t1.expect_reply()["type"] == "decision");
    // The curious console is connected and served (it gets its decisions), but never an alert.
    bool decision_seen = false;
    for (const auto& m : curious.collect(std::chrono::milliseconds(1500))) {
        CHECK(m.topic.rfind("alert.", 0) != 0);
        decision_seen = decision_seen || m.topic.rfind("decision.", 0) == 0;
    }
    CHECK(decision_seen);
    REQUIRE(eventually([&] {
        return gw.process().stderr_text().find("console 'curious' from 127.0.0.1 may not subscribe to 'alert.'") !=
               std::string::npos;
    }));
    const std::string metrics = gw.control({{"v", 1}, {"cmd", "metrics"}})["text"];
    CHECK_THAT(metrics, Catch::Contains("gatehouse_console_subscriptions_refused_total 1"));

    // A console without a listed key gets nothing at all.
    const std::pair<CurveKeyPair, std::string> stranger{generate_curve_keypair(), gw.server_key().public_key};
    TestConsole unknown(gw.context(), gw.console_endpoint(), {""}, &stranger);
    t2.send(t2.event(2, ipc::TamperData{"case opened"}));
    CHECK(t2.expect_reply()["type"] == "ack");
    CHECK(guard.expect("alert.tamper.g2").body["source"] == "t2");
    CHECK(unknown.collect(std::chrono::milliseconds(800)).empty());
}

TEST_CASE("CURVE: a reload that revokes a terminal's or a console's key cuts its open connection",
          "[integration][security][consoles]") {
    const CurveKeyPair guard_key = generate_curve_keypair();
    const CurveKeyPair leaver_key = generate_curve_keypair();
    const std::string leaver_block = console_toml("leaver", leaver_key, "[\"alert.\"]");
    GatewayFixture gw(2, console_toml("guard", guard_key, "[\"alert.\"]") + leaver_block, "", "", Transport::curve);
    const std::pair<CurveKeyPair, std::string> guard_id{guard_key, gw.server_key().public_key};
    const std::pair<CurveKeyPair, std::string> leaver_id{leaver_key, gw.server_key().public_key};
    TestConsole guard(gw.context(), gw.console_endpoint(), {"alert."}, &guard_id);
    TestConsole leaver(gw.context(), gw.console_endpoint(), {"alert."}, &leaver_id);
    REQUIRE(eventually([&] { return gw.status()["consoles"]["subscribed_topics"].get<int>() >= 2; }));

    auto stolen = curve_terminal(gw, "t2", gw.terminal_key("t2"));
    stolen.send(stolen.event(1, ipc::DoorData{ipc::DoorState::held_open}));
    CHECK(stolen.expect_reply()["type"] == "ack");
    CHECK(guard.expect("alert.door_held_open.g2").body["source"] == "t2");
    CHECK(leaver.expect("alert.door_held_open.g2").body["source"] == "t2");

    // t2 gets a new key (its old one was on a stolen device) and the leaver console is removed.
    const CurveKeyPair new_t2 = generate_curve_keypair();
    std::string text;
    {
        std::ifstream in(gw.config_path());
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    const auto key_at = text.find(gw.terminal_key("t2").public_key);
    const auto block_at = text.find(leaver_block);
    REQUIRE(key_at != std::string::npos);
    REQUIRE(block_at != std::string::npos);
    text.replace(key_at, new_t2.public_key.size(), new_t2.public_key);
    text.erase(text.find(leaver_block), leaver_block.size());
    std::ofstream(gw.config_path()) << text;
    gw.process().signal(SIGHUP);
    REQUIRE(eventually([&] { return gw.status()["consoles"]["reopens"] == 1; }));

    // The connection made with the old key is still open, and refused message by message.
    stolen.send_event(2);
    const json refused = stolen.expect_reply();
    CHECK(refused["type"] == "error");
    CHECK(refused["code"] == "not_authorized");
    CHECK(refused["seq"] == 2);
    CHECK_THAT(refused["message"].get<std::string>(), Catch::Contains("no longer listed for terminal 't2'"));
    stolen.send(gatehouse::ipc::Heartbeat{"t2"});
    CHECK(stolen.expect_reply()["code"] == "not_authorized");
    // The new key works at once, from its own connection.
    auto renewed = curve_terminal(gw, "t2", new_t2);
    renewed.send_event(2);
    CHECK(renewed.expect_reply()["type"] == "ack");
    CHECK(gw.status()["counters"]["events_stored"] == 2);

    // The kept console reconnected by itself; the removed one is refused at its handshake and hears nothing more.
    // (libzmq resends a SUB's subscriptions when its owner next calls into the socket, as a console's read does.)
    REQUIRE(eventually([&] {
        CHECK(guard.collect(std::chrono::milliseconds(20)).empty());
        CHECK(leaver.collect(std::chrono::milliseconds(20)).empty());
        return gw.status()["consoles"]["subscribed_topics"].get<int>() >= 1;
    }));
    renewed.send(renewed.event(3, ipc::TamperData{"case opened"}));
    CHECK(renewed.expect_reply()["type"] == "ack");
    CHECK(guard.expect("alert.tamper.g2").body["source"] == "t2");
    CHECK(leaver.collect(std::chrono::milliseconds(1000)).empty());
    CHECK(gw.status()["consoles"]["subscribed_topics"] == 1);
    REQUIRE(eventually([&] {
        return gw.process().stderr_text().find("every console was disconnected") != std::string::npos;
    }));
}

TEST_CASE("CURVE: oversize frames are refused, and 10,000 malformed messages in a row do not stop a good terminal",
          "[integration][security][hostile]") {
    GatewayFixture gw(3, "[limits]\nmax_message_bytes = 4096\n", "", "", Transport::curve);
    auto good = curve_terminal(gw, "t1", gw.terminal_key("t1"));
    auto bad = curve_terminal(gw, "t2", gw.terminal_key("t2"));
    bad.send_raw(std::string(5000, 'x'));
    const json big = bad.expect_reply();
    CHECK(big["code"] == "message_too_large");
    // Beyond 16× the limit libzmq drops the connection (ZMQ_MAXMSGSIZE) before anything is read.
    bad.send_raw(std::string(4096 * 16 + 1, 'x'));
    CHECK_FALSE(bad.receive(std::chrono::milliseconds(1000)));

    auto flood = curve_terminal(gw, "t3", gw.terminal_key("t3"));
    constexpr int kMalformed = 10000;
    std::int64_t seq = 0;
    int malformed_answered = 0;
    int acks = 0;
    for (int i = 0; i < kMalformed; ++i) {
        flood.send_raw(i % 2 ? "{not json" : "[1,2,3]");
        if (i % 500 == 0) {  // meanwhile the good terminal keeps getting its acks
            good.send_event(++seq);
            const json reply = good.expect_reply(std::chrono::seconds(10));
            CHECK(reply["type"] == "ack");
            acks += reply["type"] == "ack" ? 1 : 0;
        }
        while (auto r = flood.receive(std::chrono::milliseconds(0))) malformed_answered += (*r)["code"] == "malformed_json";
    }
    while (malformed_answered < kMalformed) {
        auto r = flood.receive(std::chrono::seconds(10));
        if (!r) break;
        malformed_answered += (*r)["code"] == "malformed_json";
    }
    CHECK(malformed_answered == kMalformed);
    CHECK(acks == kMalformed / 500);
    CHECK(error_count(gw, "malformed_json") == kMalformed);
    CHECK(gw.status()["counters"]["events_stored"] == kMalformed / 500);
}

TEST_CASE("per-terminal rate limit, events from the future and replays beyond the seq window are refused",
          "[integration][security]") {
    GatewayFixture gw(2,
                      "[limits]\nterminal_rate = 5\nterminal_burst = 10\nseq_window = 100\nmax_future_skew_s = 120\n",
                      "", "", Transport::curve);
    auto t1 = curve_terminal(gw, "t1", gw.terminal_key("t1"));
    constexpr int kSent = 40;
    for (int i = 1; i <= kSent; ++i) t1.send_event(i);
    int acked = 0, limited = 0;
    for (int i = 0; i < kSent; ++i) {
        const json r = t1.expect_reply();
        if (r["type"] == "ack") ++acked;
        if (r.value("code", "") == "rate_limited") {
            ++limited;
            CHECK(r["seq"].is_number());  // the terminal knows which event to resend
        }
    }
    CHECK(acked + limited == kSent);
    CHECK(acked >= 10);    // the burst
    CHECK(limited >= 10);  // 40 sent far faster than 5/s
    CHECK(error_count(gw, "rate_limited") == static_cast<std::uint64_t>(limited));
    REQUIRE(eventually([&] { return gw.process().stderr_text().find("rate_limited") != std::string::npos; }));

    auto t2 = curve_terminal(gw, "t2", gw.terminal_key("t2"));
    const auto now = gatehouse::ipc::utc_now_ms();
    json future = t2.event_json(1);
    future["ts"] = gatehouse::ipc::format_utc_timestamp(now + 3600 * 1000);
    t2.send(future);
    const json refused = t2.expect_reply();
    CHECK(refused["code"] == "ts_in_future");
    CHECK(refused["seq"] == 1);
    json soon = t2.event_json(1);
    soon["ts"] = gatehouse::ipc::format_utc_timestamp(now + 60 * 1000);  // within the allowed skew
    t2.send(soon);
    CHECK(t2.expect_reply()["type"] == "ack");

    t2.send_event(500);
    CHECK(t2.expect_reply()["type"] == "error");  // seq_ahead: more than 100 ahead of 1
    t2.send_event(90);
    CHECK(t2.expect_reply()["type"] == "ack");
    t2.send_event(1);  // a replay of a stored seq within the window: acked as a duplicate, stored once
    CHECK(t2.expect_reply()["duplicate"] == true);
    t2.send_event(185);
    CHECK(t2.expect_reply()["type"] == "ack");
    t2.send_event(1);  // the same replay, now 184 behind the highest: beyond the dedup window, refused
    CHECK(t2.expect_reply()["code"] == "seq_behind");
}

TEST_CASE("gatehouse keygen writes 0600/0644 key files, a group-readable secret is refused at start-up",
          "[integration][security][cli]") {
    TempDir dir;
    const auto gen = run_command(bin("gatehouse"), {"keygen", "--out", (dir / "server").string(), "--json"}, dir.path());
    REQUIRE(gen.exit_code == 0);
    const json out = json::parse(gen.out);
    CHECK(gatehouse::ipc::is_z85_key(out["public_key"].get<std::string>()));
    CHECK(out["secret_key_file"] == (dir / "server.key").string());
    CHECK(out["public_key_file"] == (dir / "server.pub").string());
    CHECK(mode_of(dir / "server.key") == 0600);
    CHECK(mode_of(dir / "server.pub") == 0644);
    CHECK(gatehouse::ipc::load_public_key((dir / "server.pub").string()) == out["public_key"]);
    const auto again = run_command(bin("gatehouse"), {"keygen", "--out", (dir / "server").string()}, dir.path());
    CHECK(again.exit_code == 73);  // EX_CANTCREAT: the output exists, not a configuration error
    CHECK_THAT(again.err, Catch::Contains("already exists") && Catch::Contains("--force"));

    const std::string config = "[security]\nsecret_key_file = \"" + (dir / "server.key").string() +
                               "\"\n[listen]\nterminals = \"tcp://127.0.0.1:*\"\nconsoles = \"\"\ncontrol = \"ipc://" +
                               (dir / "c.sock").string() + "\"\n[ledger]\npath = \"" + (dir / "l.db").string() +
                               "\"\n[metrics]\nlisten = \"\"\n";
    std::ofstream(dir / "c.toml") << config;
    const auto checked = run_command(bin("gatehouse"), {"check-config", (dir / "c.toml").string()}, dir.path());
    CHECK(checked.exit_code == 0);
    CHECK_THAT(checked.out, Catch::Contains("CURVE server key " + out["public_key"].get<std::string>()));

    std::filesystem::permissions(dir / "server.key", static_cast<std::filesystem::perms>(0644));
    const auto refused = run_command(bin("gatehoused"), {"--config", (dir / "c.toml").string()}, dir.path(),
                                     std::chrono::seconds(20));
    CHECK(refused.exit_code == 78);
    CHECK_THAT(refused.err, Catch::Contains("server.key: secret key file has mode 0644") && Catch::Contains("chmod 0600"));
    const auto check_refused = run_command(bin("gatehouse"), {"check-config", (dir / "c.toml").string()}, dir.path());
    CHECK(check_refused.exit_code == 78);
    CHECK_THAT(check_refused.err, Catch::Contains("mode 0644"));
}

TEST_CASE("a gateway binding TCP with neither CURVE nor insecure_plaintext refuses to start, plaintext warns",
          "[integration][security]") {
    TempDir dir;
    const std::string base = "[listen]\nterminals = \"tcp://127.0.0.1:*\"\nconsoles = \"\"\ncontrol = \"ipc://" +
                             (dir / "c.sock").string() + "\"\n[ledger]\npath = \"" + (dir / "l.db").string() +
                             "\"\n[metrics]\nlisten = \"\"\n";
    std::ofstream(dir / "c.toml") << base;
    const auto refused = run_command(bin("gatehoused"), {"--config", (dir / "c.toml").string()}, dir.path(),
                                     std::chrono::seconds(20));
    CHECK(refused.exit_code == 78);
    CHECK_THAT(refused.err, Catch::Contains("listen.terminals binds tcp://127.0.0.1:* without CURVE") &&
                                Catch::Contains("gatehouse keygen") && Catch::Contains("insecure_plaintext"));
    CHECK_FALSE(std::filesystem::exists(dir / "l.db"));  // refused before anything was opened

    GatewayFixture plain(1);  // the fixture's default: insecure_plaintext
    const json s = plain.status();
    CHECK(s["security"]["mode"] == "insecure_plaintext");
    CHECK_THAT(s["security"]["warning"].get<std::string>(), Catch::Contains("unauthenticated"));
    CHECK_THAT(plain.process().stderr_text(), Catch::Contains("INSECURE: [security].insecure_plaintext = true"));
}

TEST_CASE("CLI over CURVE: a TCP control socket admits listed admins, sim and tail use their own keys",
          "[integration][security][cli]") {
    TempDir keys;
    const CurveKeyPair admin = generate_curve_keypair();
    const CurveKeyPair console = generate_curve_keypair();
    gatehouse::ipc::write_keypair_files(keys / "admin", admin, false);
    gatehouse::ipc::write_keypair_files(keys / "console", console, false);
    // A free loopback port for the control socket (the fixture's own control socket stays ipc://).
    std::string control;
    {
        zmq::context_t c(1);
        zmq::socket_t probe(c, zmq::socket_type::router);
        probe.set(zmq::sockopt::linger, 0);
        probe.bind("tcp://127.0.0.1:*");
        control = probe.get(zmq::sockopt::last_endpoint);
    }
    GatewayFixture gw(2,
                      "[[admins]]\nid = \"ops\"\npublic_key = \"" + admin.public_key + "\"\n" +
                          console_toml("tail", console, "[\"alert.\"]"),
                      "", "", Transport::curve);
    // The fixture binds control on ipc://; a second daemon on the same keys binds it on TCP.
    std::string text;
    {
        std::ifstream in(gw.config_path());
        std::stringstream ss;
        ss << in.rdbuf();
        text = ss.str();
    }
    const std::string ipc_control = "control = \"ipc://" + (gw.dir() / "control.sock").string() + "\"";
    REQUIRE(text.find(ipc_control) != std::string::npos);
    text.replace(text.find(ipc_control), ipc_control.size(), "control = \"" + control + "\"");
    text.replace(text.find(gw.ledger_path().string()), gw.ledger_path().string().size(), (keys / "second.db").string());
    std::ofstream(keys / "tcp.toml") << text;
    ChildProcess second(bin("gatehoused"), {"--config", (keys / "tcp.toml").string()}, keys.path());
    const auto status_with_key = [&] {
        return run_command(bin("gatehouse"), {"status", "--control", control, "--key", (keys / "admin.key").string(),
                                              "--server-key", gw.server_key().public_key, "--json"},
                           keys.path());
    };
    REQUIRE(eventually([&] { return status_with_key().exit_code == 0; }));
    const auto ok = status_with_key();
    CHECK(json::parse(ok.out)["security"]["control_curve"] == true);
    // The server key can also come from the configuration (the .pub beside secret_key_file).
    const auto from_config = run_command(bin("gatehouse"), {"status", "--config", (keys / "tcp.toml").string(), "--key",
                                                            (keys / "admin.key").string(), "--json"},
                                         keys.path());
    CHECK(from_config.exit_code == 0);
    const auto no_key = run_command(bin("gatehouse"), {"status", "--control", control}, keys.path());
    CHECK(no_key.exit_code != 0);
    CHECK_THAT(no_key.err, Catch::Contains("needs --key and --server-key"));
    const auto console_key = run_command(bin("gatehouse"), {"status", "--control", control, "--key",
                                                            (keys / "console.key").string(), "--server-key",
                                                            gw.server_key().public_key},
                                         keys.path());
    CHECK(console_key.exit_code != 0);  // a console key is not an admin key
    // erase tells the daemon over the same CURVE control socket, with the admin key, to forget what it erased.
    const auto erase = run_command(bin("gatehouse"), {"erase", "--person", "E404", "--ledger", (keys / "second.db").string(),
                                                      "--control", control, "--key", (keys / "admin.key").string(),
                                                      "--server-key", gw.server_key().public_key, "--yes", "--json"},
                                   keys.path());
    INFO(erase.err);
    CHECK(erase.exit_code == 0);
    CHECK_THAT(json::parse(erase.out)["daemon"].get<std::string>(), Catch::Contains("forgot 0 open alerts"));

    // An admin client that holds its connection is refused once a reload replaced its key (a TCP control socket
    // needs at least one admin, so the admin is re-keyed rather than removed).
    zmq::socket_t held(gw.context(), zmq::socket_type::dealer);
    held.set(zmq::sockopt::linger, 0);
    held.set(zmq::sockopt::rcvtimeo, 5000);
    gatehouse::ipc::configure_curve_client(held, admin, gw.server_key().public_key);
    held.connect(control);
    const auto ask_status = [&held] {
        held.send(zmq::message_t(), zmq::send_flags::sndmore);
        held.send(zmq::str_buffer(R"({"v":1,"cmd":"status"})"), zmq::send_flags::none);
        zmq::message_t empty, body;
        if (!held.recv(empty) || !held.recv(body)) throw std::runtime_error("no control reply on the held connection");
        return json::parse(body.to_string_view());
    };
    CHECK(ask_status()["ok"] == true);
    REQUIRE(text.find(admin.public_key) != std::string::npos);
    text.replace(text.find(admin.public_key), admin.public_key.size(), generate_curve_keypair().public_key);
    std::ofstream(keys / "tcp.toml") << text;
    second.signal(SIGHUP);
    json after;
    INFO(second.stderr_text());
    REQUIRE(eventually([&] {
        after = ask_status();
        return after["ok"] == false;
    }));
    CHECK_THAT(after["error"].get<std::string>(), Catch::Contains("no longer listed in [[admins]]"));
    second.signal(SIGTERM);
    CHECK(second.wait() == 0);

    // sim with a key file per terminal.
    for (const char* id : {"t1", "t2"}) gatehouse::ipc::write_keypair_files(keys / id, gw.terminal_key(id), false);
    const auto sim = run_command(bin("gatehouse"), {"sim", "--config", gw.config_path().string(), "--endpoint", gw.endpoint(), "--keys",
                                                    keys.path().string(), "--count", "50", "--rate", "0", "--json"},
                                 keys.path());
    INFO(sim.err);
    REQUIRE(sim.exit_code == 0);
    CHECK(json::parse(sim.out)["acked"] == 50);

    // tail with the console key (its control socket is the fixture's local ipc:// one).
    ChildProcess tail(bin("gatehouse"), {"tail", "--control", gw.control_endpoint(), "--key",
                                         (keys / "console.key").string(), "--server-key",
                                         (gw.dir() / "server.pub").string(), "--json", "--count", "1", "--for", "30"},
                      keys.path());
    auto t2 = curve_terminal(gw, "t2", gw.terminal_key("t2"));
    // Of tail's default topics (alert. alert_state. decision.) its console may have only alert.: one is applied.
    gw.wait_for_console_topics(1);  // the loop below resends in case one is missed anyway
    std::int64_t seq = 1000;
    REQUIRE(eventually([&] {
        t2.send(t2.event(++seq, ipc::TamperData{"probe"}));
        (void)t2.receive(std::chrono::seconds(2));
        return !tail.running();
    }, std::chrono::seconds(25)));
    INFO("tail stderr: " << tail.stderr_text());
    CHECK(tail.wait() == 0);
    const auto lines = json_lines(tail.stdout_text());
    REQUIRE(lines.size() == 1);
    CHECK(lines[0]["kind"] == "tamper");
}
