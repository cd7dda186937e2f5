// Durability promises of the backbone: what was acked survives SIGKILL; SIGTERM commits what it received.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <random>
#include <set>

#include "gatehouse/storage/ledger.hpp"
#include "gateway_fixture.hpp"
#include "ledger_checks.hpp"
#include "test_terminal.hpp"

using namespace gatehouse::test;
using nlohmann::json;
namespace ipc = gatehouse::ipc;

TEST_CASE("after kill -9 and a restart every acked event is in the ledger, and resends complete it",
          "[integration][durability]") {
    GatewayFixture gw;
    std::mt19937 random(20261122);
    std::set<std::int64_t> all_acked;
    std::int64_t next_seq = 1;
    for (int round = 0; round < 5; ++round) {
        CAPTURE(round);
        TestTerminal t(gw.context(), gw.endpoint(), "t1");
        const auto acked = stream(t, next_seq, 200, 200 + random() % 3000);
        gw.process().signal(SIGKILL);
        CHECK(gw.process().wait() == 128 + SIGKILL);
        all_acked.insert(acked.begin(), acked.end());
        const auto stored = stored_seqs(gw, "t1");
        for (std::int64_t seq : all_acked) {
            if (!stored.count(seq)) FAIL("acked seq " << seq << " is missing after kill -9");
        }
        gw.start();
    }
    // The terminal resends everything it has not had acked; afterwards the ledger holds each seq once.
    TestTerminal t(gw.context(), gw.endpoint(), "t1");
    const json welcome = t.hello();
    CHECK(welcome["last_seq"].get<std::int64_t>() >= *all_acked.rbegin());
    std::size_t resent = 0;
    for (std::int64_t seq = 1; seq < next_seq; ++seq) {
        if (all_acked.count(seq)) continue;
        t.send_event(seq);
        ++resent;
    }
    for (std::size_t i = 0; i < resent; ++i) REQUIRE(t.expect_reply()["type"] == "ack");
    const auto stored = stored_seqs(gw, "t1");
    CHECK(stored.size() == static_cast<std::size_t>(next_seq - 1));
    CHECK(*stored.rbegin() == next_seq - 1);
    gatehouse::storage::Ledger ledger({gw.ledger_path(), /*read_only=*/true});
    CHECK(ledger.integrity_check() == "ok");
}

TEST_CASE("SIGTERM commits and acks what was received, then exits 0", "[integration][lifecycle]") {
    GatewayFixture gw;
    TestTerminal t(gw.context(), gw.endpoint(), "t1");
    for (std::int64_t seq = 1; seq <= 500; ++seq) t.send_event(seq);
    // Wait for the first ack so the gateway is mid-stream when the signal arrives.
    REQUIRE(t.expect_reply()["type"] == "ack");
    gw.process().signal(SIGTERM);
    std::size_t acks = 1;
    while (auto reply = t.receive(std::chrono::seconds(2))) acks += (*reply)["type"] == "ack" ? 1 : 0;
    CHECK(gw.process().wait() == 0);
    const auto stored = stored_seqs(gw, "t1");
    CHECK(stored.size() >= acks);  // every ack is backed by a row
    CHECK_THAT(gw.process().stderr_text(), Catch::Contains("stopping") && Catch::Contains("gateway stopped"));
}

TEST_CASE("start-up failures exit with a clear message and code", "[integration][lifecycle]") {
    TempDir dir;
    auto run = [&](const std::string& config_text) {
        std::ofstream(dir / "c.toml") << config_text;
        return run_command(bin("gatehoused"), {"--config", (dir / "c.toml").string()}, dir.path(),
                           std::chrono::seconds(10));
    };
    const auto bad_key = run("[ledger]\npaht = \"x\"\n");
    CHECK(bad_key.exit_code == 78);
    CHECK_THAT(bad_key.err, Catch::Contains("c.toml:2:1: ledger.paht: unknown key"));

    std::ofstream(dir / "garbage.db") << std::string(4096, 'x');
    const auto corrupt = run("[security]\ninsecure_plaintext = true\n[listen]\nterminals = \"tcp://127.0.0.1:*\"\nconsoles = \"\"\ncontrol = \"ipc://" + (dir / "c.sock").string() +
                             "\"\n[ledger]\npath = \"" + (dir / "garbage.db").string() + "\"\n");
    CHECK(corrupt.exit_code == 65);
    CHECK_THAT(corrupt.err, Catch::Contains("not a gatehouse ledger"));

    GatewayFixture holder;  // its terminal port is taken
    const auto busy = run("[security]\ninsecure_plaintext = true\n[listen]\nterminals = \"" + holder.endpoint() + "\"\nconsoles = \"\"\ncontrol = \"ipc://" +
                          (dir / "c2.sock").string() + "\"\n[ledger]\npath = \"" + (dir / "l.db").string() + "\"\n");
    CHECK(busy.exit_code == 69);
    CHECK_THAT(busy.err, Catch::Contains("cannot bind terminal socket"));

    const auto missing = run_command(bin("gatehoused"), {"--config", "/nonexistent.toml"}, dir.path());
    CHECK(missing.exit_code == 78);
    CHECK_THAT(missing.err, Catch::Contains("/nonexistent.toml: cannot read"));
}

TEST_CASE("a full ledger refuses events as retryable, keeps what it acked and keeps serving",
          "[integration][durability][errors]") {
    GatewayFixture gw(2, "");
    // Restart with a 1 MiB cap on the ledger.
    gw.process().signal(SIGTERM);
    REQUIRE(gw.process().wait() == 0);
    std::string text;
    {
        std::ifstream in(gw.config_path());
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    const auto at = text.find("[ledger]\n");
    REQUIRE(at != std::string::npos);
    text.insert(at + 9, "max_size_mb = 1\n");
    std::ofstream(gw.config_path()) << text;
    gw.start();

    TestTerminal t(gw.context(), gw.endpoint(), "t1");
    std::set<std::int64_t> acked;
    std::int64_t refused = 0;
    const std::string detail(250, 'd');
    // Chunks of 100 in flight until the cap is hit (1 MiB holds a few thousand of these rows).
    for (std::int64_t chunk = 0; chunk < 300 && refused == 0; ++chunk) {
        for (std::int64_t seq = chunk * 100 + 1; seq <= chunk * 100 + 100; ++seq) {
            t.send(t.event(seq, ipc::TamperData{detail}));
        }
        for (int i = 0; i < 100; ++i) {
            const json reply = t.expect_reply();
            if (reply["type"] == "ack") {
                acked.insert(reply["seq"].get<std::int64_t>());
            } else {
                REQUIRE(reply["code"] == "storage_unavailable");
                REQUIRE(reply["seq"].is_number_integer());
                ++refused;
            }
        }
    }
    REQUIRE(refused > 0);
    CHECK(acked.size() > 100);
    // Still serving: heartbeats answered, status reports the failures, and nothing acked is missing.
    t.send(gatehouse::ipc::Heartbeat{"t1"});
    CHECK(t.expect_reply()["type"] == "heartbeat");
    CHECK(gw.status()["counters"]["commit_failures"].get<int>() >= 1);
    const auto stored = stored_seqs(gw, "t1");
    CHECK(stored == acked);
}
