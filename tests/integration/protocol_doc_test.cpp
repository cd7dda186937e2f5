// docs/protocol.md promises that a terminal can be written from that page alone: run its example terminal.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "gatehouse/storage/ledger.hpp"
#include "gateway_fixture.hpp"

using namespace gatehouse::test;

namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) text.replace(pos, from.size(), to);
    return text;
}

}  // namespace

TEST_CASE("the Python terminal in docs/protocol.md works against the real gateway", "[integration][docs]") {
    std::ifstream doc(std::string(GATEHOUSE_SOURCE_DIR) + "/docs/protocol.md");
    const std::string text{std::istreambuf_iterator<char>(doc), {}};
    const auto section = text.find("## A terminal in 20 lines");
    REQUIRE(section != std::string::npos);
    const auto begin = text.find("```python\n", section);
    REQUIRE(begin != std::string::npos);
    const auto end = text.find("```", begin + 10);
    std::string script = text.substr(begin + 10, end - begin - 10);
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
