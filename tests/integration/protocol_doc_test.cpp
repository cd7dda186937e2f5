// docs/protocol.md promises that a terminal can be written from that page alone: run its example terminal.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "gatehouse/storage/ledger.hpp"
#include "gateway_fixture.hpp"
#include "test_terminal.hpp"

#include <thread>

using namespace gatehouse::test;
namespace ipc = gatehouse::ipc;

namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) text.replace(pos, from.size(), to);
    return text;
}

// The first ```python block after `heading`.
std::string python_block(const std::string& heading) {
    std::ifstream doc(std::string(GATEHOUSE_SOURCE_DIR) + "/docs/protocol.md");
    const std::string text{std::istreambuf_iterator<char>(doc), {}};
    const auto section = text.find(heading);
    if (section == std::string::npos) throw std::runtime_error("docs/protocol.md has no '" + heading + "'");
    const auto begin = text.find("```python\n", section);
    const auto end = text.find("```", begin + 10);
    return text.substr(begin + 10, end - begin - 10);
}

}  // namespace

TEST_CASE("the Python terminal in docs/protocol.md works against the real gateway", "[integration][docs]") {
    std::string script = python_block("## A terminal in 20 lines");
    CHECK(std::count(script.begin(), script.end(), '\n') <= 20);

    GatewayFixture gw;
    script = replace_all(replace_all(script, "tcp://127.0.0.1:5560", gw.endpoint()), "north-1-card", "t1");
    std::ofstream(gw.dir() / "terminal.py") << script;
    // Debian's interpreter, which has Debian's python3-zmq (a pyenv shim on PATH may not).
    const auto r = run_command("/usr/bin/python3", {(gw.dir() / "terminal.py").string()}, gw.dir().path(),
                               std::chrono::seconds(20));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    gatehouse::storage::Ledger ledger({gw.ledger_path(), /*read_only=*/true});
    const auto rows = ledger.query_events({});
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].event.terminal == "t1");
    CHECK(rows[0].event.person == "E1001");
}

TEST_CASE("the CURVE terminal in docs/protocol.md works against a CURVE gateway", "[integration][docs][security]") {
    std::string script = python_block("## CURVE: how a terminal authenticates");
    CHECK(std::count(script.begin(), script.end(), '\n') <= 22);
    GatewayFixture gw(1, "", "", "", Transport::curve);
    gatehouse::ipc::write_keypair_files(gw.dir() / "t1", gw.terminal_key("t1"), false);
    script = replace_all(script, "north-1-card.key", (gw.dir() / "t1.key").string());
    script = replace_all(script, "\"server.pub\"", "\"" + (gw.dir() / "server.pub").string() + "\"");
    script = replace_all(replace_all(script, "tcp://127.0.0.1:5560", gw.endpoint()), "north-1-card", "t1");
    std::ofstream(gw.dir() / "curve_terminal.py") << script;
    const auto r = run_command("/usr/bin/python3", {(gw.dir() / "curve_terminal.py").string()}, gw.dir().path(),
                               std::chrono::seconds(20));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    gatehouse::storage::Ledger ledger({gw.ledger_path(), /*read_only=*/true});
    const auto rows = ledger.query_events({});
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].event.terminal == "t1");
    CHECK(gw.status()["security"]["handshakes_accepted"] == 1);
}

TEST_CASE("the Python console in docs/protocol.md shows open alerts, then live alerts and decisions",
          "[integration][docs][alerts]") {
    const std::string script = python_block("### A console in 20 lines");
    CHECK(std::count(script.begin(), script.end(), '\n') <= 22);
    GatewayFixture gw(2, "", "[gates.policy]\nrequire_health_code = false\n");
    TestTerminal t2(gw.context(), gw.endpoint(), "t2");
    t2.send(t2.event(1, ipc::TamperData{"case opened"}));  // open before the console starts
    REQUIRE(t2.expect_reply()["type"] == "ack");
    std::ofstream(gw.dir() / "console.py") << script;
    // The console stops after 2 live messages: the fever alert and the decision below.
    ChildProcess console("/usr/bin/python3", {(gw.dir() / "console.py").string(), gw.console_endpoint(), gw.control_endpoint(), "2"},
                         gw.dir().path());
    gw.wait_for_console_topics(2);  // the script's alert. and decision.
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    auto request = t1.request("r1", "E9");
    request.celsius = 38.6;
    t1.send(request);
    REQUIRE(t1.expect_reply()["result"] == "deny");
    REQUIRE(console.wait(std::chrono::seconds(15)) == 0);
    const std::string out = console.stdout_text();
    INFO(out << console.stderr_text());
    CHECK_THAT(out, Catch::Contains("open: tamper g2"));
    CHECK_THAT(out, Catch::Contains("ALERT critical fever gate g1"));
    CHECK_THAT(out, Catch::Contains("DENY gate g1 E9 38.6 ['fever']"));
}
