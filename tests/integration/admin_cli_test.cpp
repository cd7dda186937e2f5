// The `gatehouse` admin CLI against a real daemon and ledger.
#include <catch2/catch.hpp>

#include <regex>
#include <sstream>

#include "gateway_fixture.hpp"
#include "json_lines.hpp"
#include "mosquitto_broker.hpp"
#include "test_terminal.hpp"

using namespace gatehouse::test;
using nlohmann::json;
namespace ipc = gatehouse::ipc;

namespace {

void record_sample_events(GatewayFixture& gw) {
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    TestTerminal t2(gw.context(), gw.endpoint(), "t2");
    t1.send(t1.event(1, ipc::CredentialData{"alice", ipc::CredentialMethod::face}));
    t1.send(t1.event(2, ipc::HealthCodeData{"alice", ipc::HealthCodeColor::red}));
    // All five share one timestamp, so row ids (commit order) order them: t1's are committed first.
    for (int i = 0; i < 2; ++i) REQUIRE(t1.expect_reply()["type"] == "ack");
    t2.send(t2.event(1, ipc::CredentialData{"bob", ipc::CredentialMethod::card}));
    t2.send(t2.event(2, ipc::DoorData{ipc::DoorState::forced}));
    t2.send(t2.event(3, ipc::FaultData{"jam", "said \"ouch\", twice"}));
    for (int i = 0; i < 3; ++i) REQUIRE(t2.expect_reply()["type"] == "ack");
}

}  // namespace

TEST_CASE("gatehouse query filters the ledger and prints a table or JSON lines", "[integration][cli]") {
    GatewayFixture gw;
    record_sample_events(gw);
    const std::string ledger = gw.ledger_path().string();
    const auto all = run_command(bin("gatehouse"), {"query", "--ledger", ledger, "--json"}, gw.dir().path());
    REQUIRE(all.exit_code == 0);
    CHECK(json_lines(all.out).size() == 5);

    const auto alice = run_command(bin("gatehouse"), {"query", "--ledger", ledger, "--person", "alice", "--json"}, gw.dir().path());
    const auto rows = json_lines(alice.out);
    REQUIRE(rows.size() == 2);
    CHECK(rows[1]["kind"] == "health_code");
    CHECK(rows[1]["data"]["color"] == "red");
    CHECK(rows[1]["gate"] == "g1");
    CHECK(rows[1]["time"] == "2026-11-22T08:00:00.000Z");

    const auto by_gate = run_command(bin("gatehouse"), {"query", "--config", gw.config_path().string(), "--gate", "g2",
                                                        "--kind", "door", "--json"}, gw.dir().path());
    REQUIRE(json_lines(by_gate.out).size() == 1);

    const auto window = run_command(bin("gatehouse"), {"query", "--ledger", ledger, "--since", "2026-11-22T07:59:00Z",
                                                       "--until", "2026-11-22", "--json"}, gw.dir().path());
    CHECK(window.exit_code == 0);
    CHECK(json_lines(window.out).empty());

    const auto table = run_command(bin("gatehouse"), {"query", "--ledger", ledger, "--last", "2"}, gw.dir().path());
    CHECK(table.exit_code == 0);
    CHECK_THAT(table.out, Catch::Contains("TERMINAL") && Catch::Contains("code=jam") && Catch::Contains("2 event(s)"));

    const auto bad_time = run_command(bin("gatehouse"), {"query", "--ledger", ledger, "--since", "last tuesday"}, gw.dir().path());
    CHECK(bad_time.exit_code != 0);
    CHECK_THAT(bad_time.err, Catch::Contains("--since"));
}

TEST_CASE("gatehouse export --csv writes every matching event with proper quoting", "[integration][cli]") {
    GatewayFixture gw;
    record_sample_events(gw);
    const auto out = gw.dir() / "events.csv";
    const auto r = run_command(bin("gatehouse"), {"export", "--csv", "--ledger", gw.ledger_path().string(), "--out", out.string()},
                               gw.dir().path());
    REQUIRE(r.exit_code == 0);
    std::ifstream in(out);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    REQUIRE(lines.size() == 6);
    CHECK(lines[0] == "id,time_utc,received_utc,gate,terminal,seq,kind,person,offline,data");
    CHECK_THAT(lines[5], Catch::Contains(R"("{""code"":""jam"",""detail"":""said \""ouch\"", twice""}")"));
}

TEST_CASE("a corrupt or missing ledger is a clear error, not a crash", "[integration][cli][errors]") {
    TempDir dir;
    std::ofstream(dir / "bad.db") << std::string(10000, '\x7f');
    const auto corrupt = run_command(bin("gatehouse"), {"query", "--ledger", (dir / "bad.db").string()}, dir.path());
    CHECK(corrupt.exit_code == 65);
    CHECK_THAT(corrupt.err, Catch::Contains("not a gatehouse ledger or is corrupt"));
    const auto missing = run_command(bin("gatehouse"), {"query", "--ledger", (dir / "none.db").string()}, dir.path());
    CHECK(missing.exit_code == 66);
    CHECK_THAT(missing.err, Catch::Contains("no such file"));
}

TEST_CASE("gatehouse status shows terminals and counters of the running daemon", "[integration][cli]") {
    GatewayFixture gw;
    record_sample_events(gw);
    const auto r = run_command(bin("gatehouse"), {"status", "--control", gw.control_endpoint()}, gw.dir().path());
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("test-gw") && Catch::Contains("online") && Catch::Contains("stored 5"));
    const auto j = run_command(bin("gatehouse"), {"status", "--config", gw.config_path().string(), "--json"}, gw.dir().path());
    REQUIRE(j.exit_code == 0);
    CHECK(json::parse(j.out)["counters"]["events_stored"] == 5);
    gw.process().signal(SIGKILL);
    gw.process().wait();
    // Daemon down: EX_UNAVAILABLE, as the README promises, for status and the other control commands alike.
    for (const char* command : {"status", "reload"}) {
        const auto down = run_command(bin("gatehouse"), {command, "--control", gw.control_endpoint()}, gw.dir().path());
        CHECK(down.exit_code == 69);
        CHECK_THAT(down.err, Catch::Contains("is gatehoused running?"));
    }
}

TEST_CASE("gatehouse check-config reports errors with line numbers", "[integration][cli]") {
    TempDir dir;
    std::ofstream(dir / "bad.toml") << "[[gates]]\nid = \"g\"\n\n[[terminals]]\nid = \"t\"\ngate = \"nowhere\"\n";
    const auto bad = run_command(bin("gatehouse"), {"check-config", (dir / "bad.toml").string()}, dir.path());
    CHECK(bad.exit_code == 78);
    CHECK_THAT(bad.err, Catch::Contains("bad.toml:4:1: terminals.gate"));
    std::ofstream(dir / "good.toml") << "[security]\ninsecure_plaintext = true\n[[gates]]\nid = \"g\"\n";
    const auto good = run_command(bin("gatehouse"), {"check-config", (dir / "good.toml").string()}, dir.path());
    CHECK(good.exit_code == 0);
    CHECK_THAT(good.out, Catch::Contains("ok"));
}

TEST_CASE("gatehouse sim reports every event acked and every bad message answered", "[integration][cli][sim]") {
    GatewayFixture gw(4);
    const auto r = run_command(bin("gatehouse"), {"sim", "--config", gw.config_path().string(), "--endpoint", gw.endpoint(),
                                                  "--rate", "400", "--duration", "1.5", "--bad-every", "7", "--json"},
                               gw.dir().path());
    REQUIRE(r.exit_code == 0);
    const json report = json::parse(r.out);
    CHECK(report["ok"] == true);
    CHECK(report["sent"].get<int>() > 400);
    CHECK(report["acked"] == report["sent"]);
    CHECK(report["bad_sent"].get<int>() >= 9 * 9);  // every class several times
    CHECK(report["bad_answered"] == report["bad_sent"]);
    CHECK(report["error_codes"].contains("message_too_large"));
    CHECK(report["error_codes"].contains("unknown_terminal"));
    CHECK(json::parse(run_command(bin("gatehouse"), {"status", "--config", gw.config_path().string(), "--json"},
                                  gw.dir().path()).out)["counters"]["events_stored"] == report["sent"]);
}

TEST_CASE("gatehouse demo runs the whole chain and its ledger is queryable", "[integration][cli][demo]") {
    TempDir dir;
    // Long enough for the first people to step up (one every 2 s), be screened and present their cards.
    const auto r = run_command(bin("gatehouse"), {"demo", "--dir", (dir / "demo").string(), "--duration", "5"}, dir.path(),
                               std::chrono::seconds(60));
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("screening") && Catch::Contains("GRANT") && Catch::Contains("every event acked"));
    const std::string ledger = (dir / "demo" / "ledger.db").string();
    const auto q = run_command(bin("gatehouse"), {"query", "--ledger", ledger, "--json", "--all"}, dir.path());
    CHECK(json_lines(q.out).size() >= 10);
    const auto decisions = json_lines(run_command(bin("gatehouse"), {"query", "--decisions", "--ledger", ledger, "--json"}, dir.path()).out);
    REQUIRE(decisions.size() >= 2);
    CHECK(decisions[0]["person"] == "E1001");
    CHECK(decisions[0]["result"] == "grant");
    CHECK(decisions[0]["screening"].is_number());
}

TEST_CASE("gatehouse demo --mqtt forwards what it records to a local broker", "[integration][cli][demo][forwarding]") {
    TempDir dir;
    MosquittoBroker broker(dir / "broker");
    MqttSubscriber platform(broker.port(), "gatehouse/demo-campus/demo-gateway/#");
    const std::string upstream = "127.0.0.1:" + std::to_string(broker.port());
    const auto r = run_command(bin("gatehouse"), {"demo", "--dir", (dir / "demo").string(), "--duration", "5", "--mqtt", upstream},
                               dir.path(), std::chrono::seconds(60));
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("forwarded to the MQTT broker " + upstream));

    // Every record the broker confirmed reached the platform's subscriber, once per key; alerts, decisions and
    // events all went.
    std::smatch confirmed;
    REQUIRE(std::regex_search(r.out, confirmed, std::regex(R"(: (\d+) records confirmed \(PUBACK\), (\d+) waiting)")));
    const std::size_t count = std::stoul(confirmed[1].str());
    const std::size_t waiting = std::stoul(confirmed[2].str());
    // The camera keeps screening while the demo stops, so the last records may still wait in the outbox (they go at
    // the next start). How many depends on the machine's load: whether forwarding keeps up is forwarding_bench's
    // figure, not this test's: a bound here would be a timing assertion.
    CHECK(count > 0);
    std::map<std::string, std::string> lane_by_key;
    const auto collect = [&](const std::vector<MqttMessage>& messages) {
        lane_by_key.clear();
        for (const auto& m : messages) {
            if (m.topic.ends_with("/status")) continue;
            const json p = json::parse(m.payload);
            lane_by_key[p["key"].get<std::string>()] = p["lane"].get<std::string>();
        }
        return lane_by_key.size() >= count;
    };
    CHECK(platform.wait_until(collect));
    // At least once: a record can reach the broker and the subscriber while the demo stops before its
    // confirmation is committed; it still waits in the outbox and goes again (same key) at the next start.
    CHECK(lane_by_key.size() >= count);
    CHECK(lane_by_key.size() <= count + waiting);
    std::map<std::string, int> per_lane;
    for (const auto& [key, lane] : lane_by_key) ++per_lane[lane];
    CHECK(per_lane["alert"] >= 1);
    CHECK(per_lane["record"] >= 2);
    CHECK(per_lane["routine"] >= 10);
}

TEST_CASE("gatehouse demo --mqtt with a malformed broker address is a usage error", "[integration][cli][demo]") {
    TempDir dir;
    const auto r = run_command(bin("gatehouse"), {"demo", "--dir", (dir / "demo").string(), "--mqtt", "localhost"}, dir.path());
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err + r.out, Catch::Contains("HOST:PORT"));
}

TEST_CASE("gatehouse lists import is all-or-nothing with line numbers, show and export read it back",
          "[integration][cli][lists]") {
    TempDir dir;
    const std::string ledger = (dir / "ledger.db").string();
    std::ofstream(dir / "bad.csv") << "list,person,name,valid_from,valid_until,note\nallow,E1,ok,,,\nallow,E2,,not-a-date,,\n";
    const auto bad = run_command(bin("gatehouse"), {"lists", "import", (dir / "bad.csv").string(), "--ledger", ledger}, dir.path());
    CHECK(bad.exit_code == 65);
    CHECK_THAT(bad.err, Catch::Contains("bad.csv:3: valid_from 'not-a-date'") && Catch::Contains("nothing was imported"));

    std::ofstream(dir / "good.csv") << "list,person,name,valid_from,valid_until,note\n"
                                       "allow,E1,Zhang Wei,2026-11-01,2026-12-31,\ndeny,V7,,,,\"fake QR code\"\n";
    const auto good = run_command(bin("gatehouse"), {"lists", "import", (dir / "good.csv").string(), "--ledger", ledger}, dir.path());
    REQUIRE(good.exit_code == 0);
    CHECK_THAT(good.out, Catch::Contains("imported 1 allow and 1 deny"));

    const auto show = run_command(bin("gatehouse"), {"lists", "show", "--ledger", ledger, "--json"}, dir.path());
    const auto rows = json_lines(show.out);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0]["person"] == "E1");
    CHECK(rows[0]["valid_until"] == "2026-12-31T23:59:59.999Z");
    CHECK(rows[1]["note"] == "fake QR code");

    const auto exported = run_command(bin("gatehouse"), {"lists", "export", "--ledger", ledger, "--list", "deny"}, dir.path());
    CHECK(exported.out == "list,person,name,valid_from,valid_until,note\ndeny,V7,,,,fake QR code\n");
}
