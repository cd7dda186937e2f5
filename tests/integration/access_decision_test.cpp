// Access requests through the real daemon: decisions with reasons, recorded in the ledger before the reply.
#include <catch2/catch.hpp>

#include <sstream>

#include "gatehouse/storage/ledger.hpp"
#include "gateway_fixture.hpp"
#include "test_terminal.hpp"

using namespace gatehouse::test;
using nlohmann::json;
namespace ipc = gatehouse::ipc;

namespace {

json ask(TestTerminal& t, const std::string& id, const std::string& person, std::optional<ipc::HealthCodeColor> code,
         std::optional<double> celsius) {
    ipc::AccessRequest r = t.request(id, person, ipc::CredentialMethod::face);
    r.health_code = code;
    r.celsius = celsius;
    t.send(r);
    return t.expect_reply();
}

}  // namespace

TEST_CASE("access requests get decisions with reasons and display texts, and are recorded", "[integration][decisions]") {
    // g1 requires the allow list and denies when a check is unavailable; g2 allows and alerts instead.
    GatewayFixture gw(2, "", "[gates.policy]\nrequire_list = true\n",
                      "[gates.policy]\nrequire_list = false\nfever_threshold = 37.5\non_check_unavailable = \"allow_and_alert\"\n");
    std::ofstream(gw.dir() / "lists.csv") << "list,person,name,valid_from,valid_until,note\n"
                                             "allow,E1,ok,,,\nallow,E2,expired,2020-01-01,2020-12-31,\ndeny,V9,,,,\n";
    REQUIRE(run_command(bin("gatehouse"), {"lists", "import", (gw.dir() / "lists.csv").string(), "--ledger",
                                           gw.ledger_path().string()}, gw.dir().path()).exit_code == 0);
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");  // on g1
    TestTerminal t2(gw.context(), gw.endpoint(), "t2");  // on g2

    const json grant = ask(t1, "r1", "E1", ipc::HealthCodeColor::green, 36.6);
    CHECK(grant["type"] == "decision");
    CHECK(grant["request"] == "r1");
    CHECK(grant["result"] == "grant");
    CHECK(grant["reasons"].empty());
    CHECK(grant["celsius"] == 36.6);
    CHECK(grant["display"]["zh-CN"] == "体温正常，请通行");
    CHECK(grant["display"]["en"] == "Temperature normal, please pass");

    auto reasons = [](const json& d) { return d["reasons"].get<std::vector<std::string>>(); };
    CHECK(reasons(ask(t1, "r2", "E1", ipc::HealthCodeColor::green, 38.1)) == std::vector<std::string>{"fever"});
    CHECK(reasons(ask(t1, "r3", "E1", ipc::HealthCodeColor::red, 36.6)) == std::vector<std::string>{"health_code_red"});
    CHECK(reasons(ask(t1, "r4", "E1", ipc::HealthCodeColor::yellow, 36.6)) == std::vector<std::string>{"health_code_yellow"});
    CHECK(reasons(ask(t1, "r5", "E7", ipc::HealthCodeColor::green, 36.6)) == std::vector<std::string>{"not_on_list"});
    CHECK(reasons(ask(t1, "r6", "E2", ipc::HealthCodeColor::green, 36.6)) == std::vector<std::string>{"list_expired"});
    CHECK(reasons(ask(t1, "r7", "V9", ipc::HealthCodeColor::green, 36.6)) == std::vector<std::string>{"on_deny_list", "not_on_list"});
    const json no_reading = ask(t1, "r8", "E1", ipc::HealthCodeColor::green, std::nullopt);
    CHECK(no_reading["result"] == "deny");
    CHECK(reasons(no_reading) == std::vector<std::string>{"no_screening"});

    // g2: its own threshold, and allow-and-alert when no reading is available.
    CHECK(ask(t2, "s1", "E7", ipc::HealthCodeColor::green, 37.4)["result"] == "grant");
    CHECK(reasons(ask(t2, "s2", "E7", ipc::HealthCodeColor::green, 37.5)) == std::vector<std::string>{"fever"});
    const json lenient = ask(t2, "s3", "E7", ipc::HealthCodeColor::green, std::nullopt);
    CHECK(lenient["result"] == "grant");
    CHECK(reasons(lenient) == std::vector<std::string>{"no_screening"});

    // Bad requests get protocol errors, not decisions.
    t1.send({{"v", 1}, {"type", "access_request"}, {"terminal", "t1"}, {"request", "r9"}, {"person", "E1"}, {"method", "palm"}});
    const json error = t1.expect_reply();
    CHECK(error["type"] == "error");
    CHECK(error["field"] == "method");

    gatehouse::storage::Ledger ledger({gw.ledger_path(), /*read_only=*/true});
    const auto e1 = ledger.decisions("E1", 0);
    REQUIRE(e1.size() == 5);
    CHECK(e1[0].grant);
    CHECK(e1[1].reasons_json == R"(["fever"])");
    CHECK(e1[1].celsius == 38.1);
    CHECK(e1[2].health_code == "red");
    CHECK(ledger.decisions("E7", 0).back().alert);
    CHECK(ledger.decisions("", 0).size() == 11);
    const json status = gw.status()["counters"];
    CHECK(status["decisions_granted"] == 3);
    CHECK(status["decisions_denied"] == 8);
}

TEST_CASE("gatehouse history shows one person's events and decisions in time order", "[integration][decisions][cli]") {
    GatewayFixture gw(1, "", "[gates.policy]\nrequire_health_code = false\n");
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    json scan = t1.event_json(1, ipc::HealthCodeData{"E5", ipc::HealthCodeColor::green});
    scan["ts"] = "2026-01-02T07:59:00Z";  // before the decision, which carries the gateway's clock
    t1.send(scan);
    REQUIRE(t1.expect_reply()["type"] == "ack");
    REQUIRE(ask(t1, "r1", "E5", std::nullopt, 38.2)["result"] == "deny");
    t1.send(t1.event(2, ipc::CredentialData{"someone-else", ipc::CredentialMethod::card}));
    REQUIRE(t1.expect_reply()["type"] == "ack");
    const auto r = run_command(bin("gatehouse"), {"history", "E5", "--ledger", gw.ledger_path().string(), "--since", "2026-01-01",
                                                  "--json"}, gw.dir().path());
    REQUIRE(r.exit_code == 0);
    std::vector<json> lines;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    INFO(r.out << r.err);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0]["type"] == "event");
    CHECK(lines[0]["kind"] == "health_code");
    CHECK(lines[1]["type"] == "decision");
    CHECK(lines[1]["reasons"] == json::array({"fever"}));
    CHECK(lines[1]["celsius"] == 38.2);
    const auto table = run_command(bin("gatehouse"), {"history", "E5", "--ledger", gw.ledger_path().string(), "--since", "2026-01-01"},
                                   gw.dir().path());
    CHECK_THAT(table.out, Catch::Contains("person E5") && Catch::Contains("deny") && Catch::Contains("2 entries"));
}
