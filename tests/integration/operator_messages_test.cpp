// What an installer or an operator is told when something is wrong: each message names what is wrong, where, and
// what to do; each exit code is the one README.md documents (issue 15, "Messages that do not say what to do").
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <memory>
#include <vector>

#include <pwd.h>
#include <unistd.h>

#include "gateway_fixture.hpp"
#include "test_terminal.hpp"

using namespace gatehouse::test;
using nlohmann::json;

namespace {

constexpr int kExitUnavailable = 69;
constexpr int kExitConfig = 78;

// A configuration whose every path is in `dir` (plaintext on loopback, no metrics, no consoles).
std::string minimal_config(const TempDir& dir, const std::string& extra = "") {
    return "[listen]\nterminals = \"tcp://127.0.0.1:*\"\nconsoles = \"\"\ncontrol = \"ipc://" + (dir / "c.sock").string() +
           "\"\n[ledger]\npath = \"" + (dir / "l.db").string() + "\"\n[metrics]\nlisten = \"\"\n" + extra;
}

CommandResult gatehouse_cli(const std::vector<std::string>& args, const std::filesystem::path& dir) {
    return run_command(bin("gatehouse"), args, dir);
}

}  // namespace

TEST_CASE("every command that talks to the daemon exits 69 when it is not running", "[integration][cli][operability]") {
    TempDir dir;
    std::ofstream(dir / "c.toml") << minimal_config(dir, "[security]\ninsecure_plaintext = true\n");
    const std::string config = (dir / "c.toml").string();
    for (const std::vector<std::string>& command : {std::vector<std::string>{"status", "--config", config},
                                                    {"reload", "--config", config},
                                                    {"alerts", "list", "--config", config},
                                                    {"alerts", "ack", "1", "--config", config},
                                                    {"tail", "--config", config, "--for", "1"}}) {
        INFO(command[0] << (command.size() > 1 ? " " + command[1] : ""));
        const auto r = gatehouse_cli(command, dir.path());
        CHECK(r.exit_code == kExitUnavailable);
        CHECK_THAT(r.err, Catch::Contains((dir / "c.sock").string()));
    }
}

TEST_CASE("status, alerts and reload reach the daemon while the configuration file has an error",
          "[integration][cli][operability]") {
    GatewayFixture gw(1);
    // An operator in the middle of an edit: the file no longer validates (and then no longer parses).
    gw.append_config("[retention]\nevents_days = \"fourteen\"\n");
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"status"}, {"alerts", "list"}, {"status", "--json"}}) {
        auto args = command;
        args.insert(args.end(), {"--config", gw.config_path().string()});
        const auto r = gatehouse_cli(args, gw.dir().path());
        INFO(command[0] << ": " << r.err);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("warning: the configuration has an error") && Catch::Contains("events_days"));
    }
    // A reload is refused by the daemon (exit 1, its reason), not by the CLI before asking.
    const auto reload = gatehouse_cli({"reload", "--config", gw.config_path().string()}, gw.dir().path());
    CHECK(reload.exit_code == 1);
    CHECK_THAT(reload.out + reload.err, Catch::Contains("events_days"));
    CHECK(gw.status()["gateway"] == "test-gw");  // still running, with its configuration

    gw.edit_config("events_days = \"fourteen\"", "events_days = 14d");
    const auto status = gatehouse_cli({"status", "--json", "--config", gw.config_path().string()}, gw.dir().path());
    CHECK(status.exit_code == 0);
    CHECK(json::parse(status.out)["gateway"] == "test-gw");
}

TEST_CASE("a value TOML cannot read names its key, file:line:column and the expected type", "[integration][cli][operability]") {
    TempDir dir;
    std::ofstream(dir / "c.toml") << minimal_config(dir, "[security]\ninsecure_plaintext = true\n[retention]\nevents_days = 14d\n");
    const auto r = gatehouse_cli({"check-config", (dir / "c.toml").string()}, dir.path());
    CHECK(r.exit_code == kExitConfig);
    CHECK_THAT(r.err, Catch::StartsWith((dir / "c.toml").string() + ":12:"));
    CHECK_THAT(r.err, Catch::Contains("retention.events_days") && Catch::Contains("an integer number of days"));
}

TEST_CASE("check-config checks what the service user can read, and gives the chown", "[integration][cli][operability]") {
    TempDir dir;
    // The service user must be able to reach the directory: open it as /etc/gatehouse is (root:gatehouse 0750 there).
    std::filesystem::permissions(dir.path(), static_cast<std::filesystem::perms>(0755));
    REQUIRE(gatehouse_cli({"keygen", "--out", (dir / "server").string()}, dir.path()).exit_code == 0);
    // The sinks' secret files too: made by root 0600, as an installer's `echo ... > file; chmod 600` makes them.
    for (const char* f : {"mqtt.password", "robot.secret"}) {
        std::ofstream(dir / f) << "a secret\n";
        std::filesystem::permissions(dir / f, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
    std::ofstream(dir / "c.toml") << minimal_config(
        dir, "[security]\nsecret_key_file = \"" + (dir / "server.key").string() + "\"\n" +
                 "[[forwarding.sinks]]\ntype = \"mqtt\"\nusername = \"gw\"\npassword_file = \"" +
                 (dir / "mqtt.password").string() + "\"\n" +
                 "[[forwarding.sinks]]\ntype = \"dingtalk\"\nurl = \"https://oapi.dingtalk.com/robot/send?access_token=T\"\n"
                 "secret_file = \"" + (dir / "robot.secret").string() + "\"\n");
    const std::string config = (dir / "c.toml").string();
    const passwd* nobody = ::getpwnam("nobody");
    REQUIRE(nobody);
    if (::geteuid() == 0) {
        // root made the key (0600 root): the service user cannot read it, though root's own check would pass.
        const auto refused = gatehouse_cli({"check-config", config, "--as-user", "nobody"}, dir.path());
        CHECK(refused.exit_code == kExitConfig);
        CHECK_THAT(refused.err, Catch::Contains("security.secret_key_file " + (dir / "server.key").string()) &&
                                    Catch::Contains("the service user nobody cannot read it") &&
                                    Catch::Contains("mode 0600") &&
                                    Catch::Contains("chown nobody " + (dir / "server.key").string()));
        CHECK_THAT(refused.err, Catch::Contains("forwarding.sinks[0].password_file " + (dir / "mqtt.password").string()) &&
                                    Catch::Contains("chown nobody " + (dir / "mqtt.password").string()));
        CHECK_THAT(refused.err, Catch::Contains("forwarding.sinks[1].secret_file " + (dir / "robot.secret").string()));
        // The ledger's directory too: nobody cannot write in a root 0755 directory.
        CHECK_THAT(refused.err, Catch::Contains("ledger.path") && Catch::Contains("cannot write in") &&
                                    Catch::Contains("ReadWritePaths="));
        for (const char* f : {"server.key", "mqtt.password", "robot.secret"}) {
            REQUIRE(::chown((dir / f).c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
        }
        REQUIRE(::chown(dir.path().c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
        const auto fixed = gatehouse_cli({"check-config", config, "--as-user", "nobody"}, dir.path());
        CHECK(fixed.exit_code == 0);
        CHECK_THAT(fixed.out, Catch::Contains("readable and writable by the service user nobody"));
    }
    // A user that does not exist here is said to be unchecked, not silently passed.
    const auto absent = gatehouse_cli({"check-config", config, "--as-user", "no-such-user-gh"}, dir.path());
    CHECK(absent.exit_code == 0);
    CHECK_THAT(absent.out, Catch::Contains("user no-such-user-gh does not exist here"));
}

TEST_CASE("a ledger directory that cannot be used says the path, the user and the fix", "[integration][operability]") {
    TempDir dir;
    std::ofstream(dir / "moved") << "a file where the ledger's directory was\n";
    std::ofstream(dir / "c.toml") << "[listen]\nterminals = \"tcp://127.0.0.1:*\"\nconsoles = \"\"\ncontrol = \"ipc://" +
                                         (dir / "c.sock").string() + "\"\n[ledger]\npath = \"" +
                                         (dir / "moved" / "ledger.db").string() +
                                         "\"\n[metrics]\nlisten = \"\"\n[security]\ninsecure_plaintext = true\n";
    const auto r = run_command(bin("gatehoused"), {"--config", (dir / "c.toml").string()}, dir.path(), std::chrono::seconds(20));
    CHECK(r.exit_code == kExitUnavailable);
    const passwd* me = ::getpwuid(::geteuid());
    REQUIRE(me);
    CHECK_THAT(r.err, Catch::Contains("cannot use the ledger's directory " + (dir / "moved").string()) &&
                          Catch::Contains("as user " + std::string(me->pw_name)) && Catch::Contains("chown -R") &&
                          Catch::Contains("ReadWritePaths=") && Catch::Contains("correct ledger.path"));
    CHECK_FALSE(std::filesystem::exists(dir / "c.sock"));
}

TEST_CASE("tail: --help names [[consoles]], Ctrl-C ends it quietly with exit 0", "[integration][cli][operability]") {
    const TempDir scratch;
    const auto help = gatehouse_cli({"tail", "--help"}, scratch.path());
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains("[[consoles]]"));

    GatewayFixture gw(1);
    ChildProcess tail(bin("gatehouse"), {"tail", "--config", gw.config_path().string()}, gw.dir().path());
    gw.wait_for_console_topics(3);  // alert. alert_state. decision.: tail is in its loop
    tail.signal(SIGINT);
    CHECK(tail.wait() == 0);
    CHECK_THAT(tail.stderr_text(), !Catch::Contains("Interrupted system call"));
}

TEST_CASE("erase --dry-run finds the configured control socket", "[integration][cli][operability]") {
    GatewayFixture gw(1);
    const auto r = gatehouse_cli({"erase", "--person", "E1", "--dry-run", "--json", "--config", gw.config_path().string()},
                                 gw.dir().path());
    REQUIRE(r.exit_code == 0);
    const json out = json::parse(r.out);
    CHECK_THAT(out["daemon"].get<std::string>(), Catch::Contains(gw.control_endpoint()) && !Catch::Contains("no control socket"));
}

TEST_CASE("sim without keys against a CURVE gateway says the key is missing", "[integration][cli][operability]") {
    GatewayFixture gw(1, "", "", "", Transport::curve);
    const auto r = gatehouse_cli({"sim", "--config", gw.config_path().string(), "--count", "1"}, gw.dir().path());
    CHECK(r.exit_code == 64);
    CHECK_THAT(r.err, Catch::Contains("uses CURVE") && Catch::Contains("--keys DIR"));
    CHECK_THAT(r.err, !Catch::Contains("terminal id"));
}

TEST_CASE("a terminal without CURVE on a CURVE gateway is counted and logged with the fix", "[integration][security][operability]") {
    GatewayFixture gw(1, "", "", "", Transport::curve);
    const auto refused_count = [&] {
        const std::string metrics = gw.control({{"v", 1}, {"cmd", "metrics"}})["text"];
        const std::string name = "\ngatehouse_plaintext_connections_refused_total ";
        const auto at = metrics.find(name);
        return at == std::string::npos ? -1.0 : std::stod(metrics.substr(at + name.size()));
    };
    // Both ends of a ZMTP greeting see the mechanism mismatch; when the client sees it first and hangs up, the gateway
    // may get a reset before it reads the client's mechanism, and then there is nothing to tell it was plaintext. A
    // real terminal connects again; here each attempt is a new connection, until the gateway has counted one.
    std::vector<std::unique_ptr<TestTerminal>> attempts;
    CHECK(eventually(
        [&] {
            attempts.push_back(std::make_unique<TestTerminal>(gw.context(), gw.endpoint(), "t1"));  // no key
            attempts.back()->send(gatehouse::ipc::Hello{"t1", "card_reader", "test-1.0"});
            CHECK_FALSE(attempts.back()->receive(std::chrono::milliseconds(200)));
            return refused_count() >= 1;
        },
        std::chrono::seconds(30), std::chrono::milliseconds(100)));
    CHECK(eventually([&] { return gw.process().stderr_text().find("does not use CURVE") != std::string::npos; }));
    CHECK_THAT(gw.process().stderr_text(), Catch::Contains("give it one"));
}
