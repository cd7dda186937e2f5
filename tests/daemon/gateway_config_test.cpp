#include <catch2/catch.hpp>

#include <fstream>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/ipc/curve_keys.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::daemon;

namespace {

const char* kValid = R"(
[gateway]
id = "gw-7"
site = "east-campus"

[listen]
terminals = "tcp://127.0.0.1:6000"
control = "ipc:///tmp/gh/control.sock"

[limits]
max_message_bytes = 4096
heartbeat_interval_ms = 2000
heartbeat_timeout_ms = 7000
seq_window = 500

[ledger]
path = "/var/lib/gh/ledger.db"
commit_window_us = 500
max_batch = 300

[log]
level = "debug"

[[gates]]
id = "east-1"
name = "East lane 1"
direction = "out"

[[terminals]]
id = "east-1-card"
gate = "east-1"
kind = "card_reader"
)";

std::string error_of(const std::string& text) {
    try {
        parse_config(text, "gh.toml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    FAIL("configuration was accepted:\n" << text);
    return {};
}

}  // namespace

TEST_CASE("a complete configuration is read with every key", "[daemon][config]") {
    const GatewayConfig c = parse_config(kValid, "gh.toml");
    CHECK(c.gateway_id == "gw-7");
    CHECK(c.site == "east-campus");
    CHECK(c.terminal_endpoint == "tcp://127.0.0.1:6000");
    CHECK(c.control_endpoint == "ipc:///tmp/gh/control.sock");
    CHECK(c.max_message_bytes == 4096);
    CHECK(c.heartbeat_interval == std::chrono::milliseconds(2000));
    CHECK(c.heartbeat_timeout == std::chrono::milliseconds(7000));
    CHECK(c.seq_window == 500);
    CHECK(c.ledger_path == "/var/lib/gh/ledger.db");
    CHECK(c.commit_window == std::chrono::microseconds(500));
    CHECK(c.max_batch == 300);
    CHECK(c.log_level == "debug");
    REQUIRE(c.gates.size() == 1);
    CHECK(c.gates[0].direction == "out");
    REQUIRE(c.find_terminal("east-1-card"));
    CHECK(c.find_terminal("east-1-card")->gate == "east-1");
    CHECK_FALSE(c.find_terminal("nope"));
}

TEST_CASE("an empty configuration means the documented defaults", "[daemon][config]") {
    const GatewayConfig c = parse_config("", "empty.toml");
    CHECK(c.terminal_endpoint == "tcp://127.0.0.1:5560");
    CHECK(c.ledger_path == "/var/lib/gatehouse/ledger.db");
    CHECK(c.max_message_bytes == 65536);
    CHECK(c.heartbeat_timeout == std::chrono::milliseconds(15000));
    CHECK(c.terminals.empty());
}

TEST_CASE("configuration errors name the file, line and key", "[daemon][config][errors]") {
    struct Case {
        std::string text;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"[ledger]\npath = \"/x\"\ncomit_window_us = 5\n", "gh.toml:3:1: ledger.comit_window_us: unknown key"},
        {"[ledger\npath = 1\n", "gh.toml:1:"},
        {"[limits]\n\nmax_message_bytes = \"big\"\n", "gh.toml:3:21: limits.max_message_bytes: expected an integer"},
        {"[limits]\nmax_message_bytes = 10\n", "gh.toml:2:21: limits.max_message_bytes: 10 is out of range"},
        {"[listen]\nterminals = \"127.0.0.1:5560\"\n", "gh.toml:2:13: listen.terminals: '127.0.0.1:5560' is not a ZeroMQ endpoint"},
        {"[log]\nlevel = \"loud\"\n", "gh.toml:2:9: log.level: 'loud' is not one of"},
        {"[[gates]]\nname = \"x\"\n", "gh.toml:1:1: gates.id: required key is missing"},
        {"[[gates]]\nid = \"g\"\ndirection = \"sideways\"\n", "gh.toml:3:13: gates.direction"},
        {"[[gates]]\nid = \"g\"\n[[terminals]]\nid = \"t\"\ngate = \"h\"\n", "gh.toml:3:1: terminals.gate: terminal 't' names gate 'h'"},
        {"[[gates]]\nid = \"g\"\n[[terminals]]\nid = \"t\"\ngate = \"g\"\n[[terminals]]\nid = \"t\"\ngate = \"g\"\n",
         "gh.toml:6:1: terminals.id: duplicate terminal id 't'"},
        {"[[gates]]\nid = \"g\"\n[[gates]]\nid = \"g\"\n", "gh.toml:3:1: gates.id: duplicate gate id 'g'"},
        {"gateway = 5\n", "gh.toml:1:11: gateway: expected a table"},
        {"[limits]\nheartbeat_interval_ms = 5000\nheartbeat_timeout_ms = 4000\n", "limits.heartbeat_timeout_ms: must be longer"},
        {"colour = \"blue\"\n", "gh.toml:1:1: colour: unknown key"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        CHECK_THAT(error_of(c.text), Catch::Contains(c.expected));
    }
}

TEST_CASE("nan and inf are refused wherever a number is read (config_fuzz range check)", "[daemon][config][errors]") {
    const std::string gate = "[[gates]]\nid = \"g\"\n";
    const std::string camera = gate + "[[cameras]]\nid = \"c\"\ngate = \"g\"\nsource = \"synthetic:x\"\n";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {gate + "[gates.policy]\nfever_threshold = nan\n", "gates.policy.fever_threshold: must be between 34.0 and 39.0"},
        {camera + "threshold = nan\n", "cameras.threshold: must be between"},
        {camera + "body_offset = -nan\n", "cameras.body_offset: must be between"},
        {camera + "fps = nan\n", "cameras.fps: expected a finite number"},
        {camera + "gain = inf\n", "cameras.gain: expected a finite number"},
        {camera + "offset = -inf\n", "cameras.offset: expected a finite number"},
        {"[forwarding]\nmax_drain_rate = nan\n", "forwarding.max_drain_rate: must be between 0"},
    };
    for (const auto& [text, expected] : cases) {
        CAPTURE(text);
        CHECK_THAT(error_of(text), Catch::Contains(expected));
    }
}

TEST_CASE("a missing configuration file is named in the error", "[daemon][config][errors]") {
    CHECK_THROWS_WITH(load_config_file("/nonexistent/gatehouse.toml"),
                      Catch::Contains("/nonexistent/gatehouse.toml: cannot read"));
}

TEST_CASE("configuration files load from disk with their path in messages", "[daemon][config]") {
    gatehouse::test::TempDir dir;
    std::ofstream(dir / "a.toml") << "[log]\nlevel = \"shout\"\n";
    CHECK_THROWS_WITH(load_config_file(dir / "a.toml"), Catch::StartsWith((dir / "a.toml").string() + ":2:9"));
}

TEST_CASE("command-line overrides replace keys and are validated", "[daemon][config]") {
    GatewayConfig c = parse_config(kValid, "gh.toml");
    apply_overrides(c, {"tcp://127.0.0.1:7000", std::nullopt, std::filesystem::path("/tmp/l.db"), "warn"});
    CHECK(c.terminal_endpoint == "tcp://127.0.0.1:7000");
    CHECK(c.control_endpoint == "ipc:///tmp/gh/control.sock");
    CHECK(c.ledger_path == "/tmp/l.db");
    CHECK(c.log_level == "warn");
    CHECK_THROWS_WITH(apply_overrides(c, {"localhost:1"}), Catch::Contains("--listen"));
    CHECK_THROWS_WITH(apply_overrides(c, {std::nullopt, std::nullopt, std::nullopt, "chatty"}),
                      Catch::Contains("--log-level"));
}

TEST_CASE("[security], client keys, console scopes and abuse limits are read strictly", "[daemon][config][security]") {
    const std::string k1 = gatehouse::ipc::generate_curve_keypair().public_key;
    const std::string k2 = gatehouse::ipc::generate_curve_keypair().public_key;
    const std::string k3 = gatehouse::ipc::generate_curve_keypair().public_key;
    const GatewayConfig c = parse_config(
        "[security]\nsecret_key_file = \"/etc/gh/server.key\"\n"
        "[limits]\nterminal_rate = 50\nterminal_burst = 100\nmax_future_skew_s = 60\n"
        "[[gates]]\nid = \"g\"\n"
        "[[terminals]]\nid = \"t1\"\ngate = \"g\"\npublic_key = \"" + k1 + "\"\n"
        "[[terminals]]\nid = \"t2\"\ngate = \"g\"\n"
        "[[consoles]]\nid = \"office\"\npublic_key = \"" + k2 + "\"\ntopics = [\"alert.\", \"decision.g\"]\n"
        "[[admins]]\nid = \"ops\"\npublic_key = \"" + k1 + "\"\n",  // the same key may be an admin too
        "gh.toml");
    CHECK(c.security.curve());
    CHECK(*c.security.secret_key_file == "/etc/gh/server.key");
    CHECK_FALSE(c.security.insecure_plaintext);
    CHECK(c.terminals[0].public_key == k1);
    CHECK(c.terminals[1].public_key.empty());
    REQUIRE(c.console_clients.size() == 1);
    CHECK(c.console_clients[0].topics == std::vector<std::string>{"alert.", "decision.g"});
    REQUIRE(c.admins.size() == 1);
    CHECK(c.admins[0].id == "ops");
    CHECK(c.terminal_rate == 50);
    CHECK(c.terminal_burst == 100);
    CHECK(c.max_future_skew == std::chrono::seconds(60));
    CHECK_NOTHROW(check_transport_security(c));

    const GatewayConfig defaults = parse_config("", "d.toml");
    CHECK_FALSE(defaults.security.curve());
    CHECK(defaults.terminal_rate == 2000);
    CHECK(defaults.max_future_skew == std::chrono::seconds(300));

    const std::string g = "[security]\nsecret_key_file = \"/k\"\n[[gates]]\nid = \"g\"\n";
    struct Case {
        std::string text;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {"[security]\nsecret_key_file = \"/k\"\ninsecure_plaintext = true\n",
         "gh.toml:3:22: security.insecure_plaintext: contradicts secret_key_file"},
        {"[security]\nsecret_key = \"/k\"\n", "gh.toml:2:1: security.secret_key: unknown key"},
        {"[security]\ninsecure_plaintext = \"yes\"\n", "gh.toml:2:22: security.insecure_plaintext: expected true or false"},
        {g + "[[terminals]]\nid = \"t\"\ngate = \"g\"\npublic_key = \"short\"\n",
         "gh.toml:8:14: terminals.public_key: not a Z85 CURVE public key"},
        {g + "[[terminals]]\nid = \"t\"\ngate = \"g\"\npublic_key = \"" + k1 + "\"\n[[terminals]]\nid = \"u\"\ngate = \"g\"\npublic_key = \"" + k1 + "\"\n",
         "gh.toml:12:14: terminals.public_key: the same key is already listed for another terminal"},
        {g + "[[consoles]]\nid = \"c\"\npublic_key = \"" + k2 + "\"\n", "gh.toml:5:1: consoles.topics: required key is missing"},
        {g + "[[consoles]]\nid = \"c\"\npublic_key = \"" + k2 + "\"\ntopics = []\n", "gh.toml:8:10: consoles.topics: expected a non-empty array"},
        {g + "[[consoles]]\nid = \"c\"\npublic_key = \"" + k2 + "\"\ntopics = [1]\n", "gh.toml:8:11: consoles.topics: each topic prefix must be a string"},
        {g + "[[consoles]]\nid = \"c\"\ntopics = [\"alert.\"]\n", "consoles.public_key: required key is missing"},
        {g + "[[consoles]]\nid = \"c\"\npublic_key = \"" + k2 + "\"\ntopics = [\"a\"]\ncolour = 1\n", "gh.toml:9:1: consoles.colour: unknown key"},
        {g + "[[consoles]]\nid = \"c\"\npublic_key = \"" + k2 + "\"\ntopics = [\"a\"]\n[[consoles]]\nid = \"c\"\npublic_key = \"" + k3 + "\"\ntopics = [\"a\"]\n",
         "gh.toml:9:1: consoles.id: duplicate console id 'c'"},
        {g + "[[admins]]\nid = \"a\"\n", "admins.public_key: required key is missing"},
        {"[[consoles]]\nid = \"c\"\npublic_key = \"" + k2 + "\"\ntopics = [\"a\"]\n",
         "gh.toml:1:1: consoles: client keys are listed but [security].secret_key_file is not set"},
        {"[[gates]]\nid = \"g\"\n[[terminals]]\nid = \"t\"\ngate = \"g\"\npublic_key = \"" + k1 + "\"\n",
         "gh.toml:3:1: terminals.public_key: client keys are listed but [security].secret_key_file is not set"},
        {"[limits]\nterminal_rate = -1\n", "gh.toml:2:17: limits.terminal_rate: must be between 0"},
        {"[limits]\nmax_future_skew_s = 0\n", "gh.toml:2:21: limits.max_future_skew_s: 0 is out of range"},
    };
    for (const auto& bad : cases) {
        CAPTURE(bad.text);
        CHECK_THAT(error_of(bad.text), Catch::Contains(bad.expected));
    }
}

TEST_CASE("TCP without CURVE or insecure_plaintext is refused, ipc-only and explicit plaintext pass",
          "[daemon][config][security]") {
    CHECK_THROWS_WITH(check_transport_security(parse_config("", "d.toml")),
                      Catch::Contains("d.toml: listen.terminals binds tcp://127.0.0.1:5560 without CURVE"));
    CHECK_THROWS_WITH(check_transport_security(parse_config(
                          "[listen]\nterminals = \"ipc:///tmp/t\"\nconsoles = \"tcp://127.0.0.1:5561\"\n", "d.toml")),
                      Catch::Contains("listen.consoles binds tcp://127.0.0.1:5561 without CURVE"));
    CHECK_NOTHROW(check_transport_security(
        parse_config("[listen]\nterminals = \"ipc:///tmp/t\"\nconsoles = \"\"\n", "d.toml")));
    CHECK_NOTHROW(check_transport_security(parse_config("[security]\ninsecure_plaintext = true\n", "d.toml")));
    CHECK_THROWS_WITH(check_transport_security(parse_config(
                          "[security]\nsecret_key_file = \"/k\"\n[listen]\ncontrol = \"tcp://127.0.0.1:5562\"\n", "d.toml")),
                      Catch::Contains("listen.control binds tcp://127.0.0.1:5562 with CURVE but no [[admins]]"));
    GatewayConfig overridden = parse_config("[security]\ninsecure_plaintext = true\n", "d.toml");
    apply_overrides(overridden, {std::string("tcp://127.0.0.1:7000"), std::nullopt, std::nullopt, std::nullopt});
    CHECK_NOTHROW(check_transport_security(overridden));
}
