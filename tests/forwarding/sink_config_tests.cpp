#include <catch2/catch.hpp>

#include <fstream>

#include <toml++/toml.h>

#include "gatehouse/daemon/forwarding/sink_config.hpp"
#include "gatehouse/daemon/forwarding/sink_factory.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "temp_dir.hpp"

using namespace gatehouse;
using namespace gatehouse::daemon::forwarding;
using gatehouse::daemon::ConfigError;
using storage::OutboxLane;

namespace {

std::vector<SinkConfig> parse_sinks(const std::string& text, const std::string& source = "sinks.toml") {
    const toml::table doc = toml::parse(text, source);
    const toml::array* sinks = doc["forwarding"]["sinks"].as_array();
    REQUIRE(sinks != nullptr);
    return read_sink_configs(*sinks, source);
}

std::string parse_error(const std::string& text, const std::string& source = "sinks.toml") {
    try {
        parse_sinks(text, source);
    } catch (const ConfigError& e) {
        return e.what();
    }
    FAIL("no ConfigError for:\n" << text);
    return {};
}

}  // namespace

TEST_CASE("sink configuration: every type with its options and defaults", "[forwarding][config]") {
    const auto sinks = parse_sinks(R"(
[[forwarding.sinks]]
name = "campus"
type = "mqtt"
host = "broker.campus.local"
port = 8883
username = "gw1"
password = "s3cret"
topic_prefix = "campus/east"
keepalive_s = 20
max_inflight = 50
connect_timeout_ms = 1500

[[forwarding.sinks]]
name = "security-office"
type = "webhook"
url = "https://security.example/api/gate-events"
lanes = ["alert", "record"]
max_batch = 250
timeout_ms = 5000
headers = { Authorization = "Bearer abc", X-Campus = "east" }

[[forwarding.sinks]]
type = "dingtalk"
url = "https://oapi.dingtalk.com/robot/send?access_token=T"
secret = "SECabc"

[[forwarding.sinks]]
type = "wecom"
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"
rate_limit_messages = 10
rate_limit_window_ms = 30000

[[forwarding.sinks]]
type = "feishu"
url = "https://open.feishu.cn/open-apis/bot/v2/hook/H"
min_interval_ms = 0
digest_lines = 5
)");
    REQUIRE(sinks.size() == 5);

    const auto& mqtt = sinks[0];
    CHECK(mqtt.name == "campus");
    CHECK(mqtt.type == SinkType::mqtt);
    CHECK(mqtt.lanes == std::vector{OutboxLane::alert, OutboxLane::record, OutboxLane::routine});
    CHECK(mqtt.max_batch == 100);
    CHECK(mqtt.mqtt.brokers == std::vector<MqttBrokerAddress>{{"broker.campus.local", 8883}});
    CHECK(mqtt.mqtt.client_id.empty());  // "<gateway>-<site>" is filled in by the sink
    CHECK(mqtt.mqtt.username == "gw1");
    CHECK(mqtt.mqtt.password == "s3cret");
    CHECK(mqtt.mqtt.topic_prefix == "campus/east");
    CHECK(mqtt.mqtt.keepalive == std::chrono::seconds(20));
    CHECK(mqtt.mqtt.max_inflight == 50);
    CHECK(mqtt.mqtt.connect_timeout == std::chrono::milliseconds(1500));

    const auto& hook = sinks[1];
    CHECK(hook.type == SinkType::webhook);
    CHECK(hook.lanes == std::vector{OutboxLane::alert, OutboxLane::record});
    CHECK(hook.max_batch == 250);
    CHECK(hook.webhook.url == "https://security.example/api/gate-events");
    CHECK(hook.webhook.timeouts.total == std::chrono::milliseconds(5000));
    CHECK(hook.webhook.timeouts.connect == std::chrono::milliseconds(2000));
    CHECK(hook.webhook.headers.size() == 2);
    CHECK(std::count(hook.webhook.headers.begin(), hook.webhook.headers.end(),
                     std::pair<std::string, std::string>{"Authorization", "Bearer abc"}) == 1);

    const auto& ding = sinks[2];
    CHECK(ding.name == "dingtalk");  // defaults to the type
    CHECK(ding.lanes == std::vector{OutboxLane::alert});
    CHECK(ding.max_batch == 50);
    CHECK(ding.chat.secret == "SECabc");
    CHECK(ding.chat.rate_limit_messages == 20);
    CHECK(ding.chat.rate_limit_window == std::chrono::milliseconds(60000));
    CHECK(ding.chat.effective_min_interval() == std::chrono::milliseconds(3000));

    CHECK(sinks[3].type == SinkType::wecom);
    CHECK(sinks[3].chat.effective_min_interval() == std::chrono::milliseconds(3000));
    CHECK(sinks[4].type == SinkType::feishu);
    CHECK(sinks[4].chat.effective_min_interval() == std::chrono::milliseconds(0));
    CHECK(sinks[4].chat.digest_lines == 5);

    // The factory builds each one without contacting anything.
    const daemon::forwarding::SinkIdentity identity{"gw1", "east"};
    for (const auto& config : sinks) {
        const auto sink = make_sink(config, identity);
        CHECK(sink->name() == config.name);
        CHECK(sink->max_batch() == config.max_batch);
        CHECK(sink->accepts(OutboxLane::alert));
        CHECK(sink->accepts(OutboxLane::routine) == (config.type == SinkType::mqtt));
    }
}

TEST_CASE("sink configuration: secrets from files, relative to the configuration", "[forwarding][config]") {
    test::TempDir dir;
    std::ofstream(dir / "mqtt.pass") << "from-a-file\n";
    std::ofstream(dir / "robot.secret") << "SECfile";
    for (const char* f : {"mqtt.pass", "robot.secret"}) {
        std::filesystem::permissions(dir / f, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
    const std::string source = (dir / "gatehouse.toml").string();
    const auto sinks = parse_sinks(R"(
[[forwarding.sinks]]
type = "mqtt"
username = "gw1"
password_file = "mqtt.pass"

[[forwarding.sinks]]
type = "feishu"
url = "https://open.feishu.cn/open-apis/bot/v2/hook/H"
secret_file = ")" + (dir / "robot.secret").string() + R"("
)",
                                   source);
    CHECK(sinks[0].mqtt.password == "from-a-file");  // the trailing newline is not part of it
    CHECK(sinks[1].chat.secret == "SECfile");

    const std::string missing = parse_error(R"(
[[forwarding.sinks]]
type = "dingtalk"
url = "https://oapi.dingtalk.com/robot/send?access_token=T"
secret_file = "nowhere.secret"
)",
                                            source);
    CHECK_THAT(missing, Catch::StartsWith(source + ":5:"));
    CHECK_THAT(missing, Catch::Contains("forwarding.sinks[0].secret_file") && Catch::Contains("nowhere.secret"));

    // A secret others can read is refused like the server key, with the fix.
    std::ofstream(dir / "open.secret") << "SECopen";
    std::filesystem::permissions(dir / "open.secret", std::filesystem::perms::others_read, std::filesystem::perm_options::add);
    CHECK_THAT(parse_error(R"(
[[forwarding.sinks]]
type = "dingtalk"
url = "https://oapi.dingtalk.com/robot/send?access_token=T"
secret_file = "open.secret"
)",
                           source),
               Catch::Contains(":5:") && Catch::Contains("forwarding.sinks[0].secret_file") &&
                   Catch::Contains("readable or writable by group or others") && Catch::Contains("chmod 0600"));
    // A file that cannot be read says why (the system's reason).
    CHECK_THAT(parse_error(R"(
[[forwarding.sinks]]
type = "dingtalk"
url = "https://oapi.dingtalk.com/robot/send?access_token=T"
secret_file = "mqtt.pass/robot.secret"
)",
                           source),
               Catch::Contains("cannot read") && Catch::Contains("Not a directory"));

    // A device would never end (or a huge file fill memory): refused by name before anything is read.
    CHECK_THAT(parse_error(R"(
[[forwarding.sinks]]
type = "dingtalk"
url = "https://oapi.dingtalk.com/robot/send?access_token=T"
secret_file = "/dev/zero"
)",
                           source),
               Catch::Contains(":5:") && Catch::Contains("not a regular file"));

    CHECK_THAT(parse_error(R"(
[[forwarding.sinks]]
type = "mqtt"
username = "u"
password = "p"
password_file = "mqtt.pass"
)",
                           source),
               Catch::Contains(":6:") && Catch::Contains("not both"));
}

TEST_CASE("sink configuration: mistakes name the file, line and key", "[forwarding][config]") {
    SECTION("unknown (misspelt) key") {
        const std::string e = parse_error(R"(
[[forwarding.sinks]]
type = "mqtt"
hots = "broker"
)");
        CHECK_THAT(e, Catch::StartsWith("sinks.toml:4:1: forwarding.sinks[0].hots: unknown key"));
    }
    SECTION("a key of another sink type is unknown too") {
        CHECK_THAT(parse_error(R"(
[[forwarding.sinks]]
type = "mqtt"
url = "http://x"
)"),
                   Catch::StartsWith("sinks.toml:4:1: forwarding.sinks[0].url: unknown key"));
    }
    SECTION("missing url") {
        const std::string e = parse_error(R"(
[[forwarding.sinks]]
type = "mqtt"

[[forwarding.sinks]]
type = "webhook"
lanes = ["alert"]
)");
        CHECK_THAT(e, Catch::StartsWith("sinks.toml:5:") && Catch::Contains("forwarding.sinks[1].url: required key is missing"));
    }
    SECTION("not an http URL") {
        CHECK_THAT(parse_error(R"(
[[forwarding.sinks]]
type = "webhook"
url = "ftp://example"
)"),
                   Catch::StartsWith("sinks.toml:4:") && Catch::Contains("not an http:// or https:// URL"));
    }
    SECTION("bad lane name") {
        const std::string e = parse_error(R"(
[[forwarding.sinks]]
type = "webhook"
url = "http://127.0.0.1:1/x"
lanes = ["alert", "routnie"]
)");
        CHECK_THAT(e, Catch::StartsWith("sinks.toml:5:19: forwarding.sinks[0].lanes:") && Catch::Contains("alert, record, routine"));
    }
    SECTION("chat robots take alerts only") {
        CHECK_THAT(parse_error(R"(
[[forwarding.sinks]]
type = "wecom"
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"
lanes = ["record"]
)"),
                   Catch::StartsWith("sinks.toml:5:") && Catch::Contains("alert lane only"));
    }
    SECTION("unknown type") {
        CHECK_THAT(parse_error(R"(
[[forwarding.sinks]]
type = "kafka"
)"),
                   Catch::StartsWith("sinks.toml:3:") && Catch::Contains("'kafka' is not one of"));
    }
    SECTION("type is required") {
        CHECK_THAT(parse_error(R"(
[[forwarding.sinks]]
name = "x"
)"),
                   Catch::Contains("forwarding.sinks[0].type: required key is missing"));
    }
    SECTION("out of range") {
        CHECK_THAT(parse_error(R"(
[[forwarding.sinks]]
type = "mqtt"
port = 70000
)"),
                   Catch::StartsWith("sinks.toml:4:") && Catch::Contains("out of range"));
    }
    SECTION("two sinks with one name") {
        CHECK_THAT(parse_error(R"(
[[forwarding.sinks]]
type = "mqtt"

[[forwarding.sinks]]
type = "mqtt"
port = 1884
)"),
                   Catch::StartsWith("sinks.toml:5:") && Catch::Contains("duplicate sink name 'mqtt'"));
    }
    SECTION("client certificate without its key") {
        test::TempDir dir;
        std::ofstream(dir / "ca.pem") << "x";
        std::ofstream(dir / "client.pem") << "x";
        CHECK_THAT(parse_error("[[forwarding.sinks]]\ntype = \"mqtt\"\nca_file = \"ca.pem\"\ncert_file = \"client.pem\"\n",
                               (dir / "g.toml").string()),
                   Catch::Contains("key_file") && Catch::Contains("needs both"));
    }
}

TEST_CASE("sink configuration: a chat robot's min_severity and kinds", "[forwarding][config]") {
    const auto sinks = parse_sinks(R"(
[[forwarding.sinks]]
type = "dingtalk"
url = "https://oapi.dingtalk.com/robot/send?access_token=x"
[[forwarding.sinks]]
type = "wecom"
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"
min_severity = "critical"
kinds = ["fever", "tamper"]
)");
    REQUIRE(sinks.size() == 2);
    CHECK(sinks[0].chat.filter.min_severity == AlertSeverity::warning);
    CHECK(sinks[0].chat.filter.kinds.empty());
    CHECK_FALSE(sinks[0].chat.filter.passes("denied"));
    CHECK(sinks[0].chat.filter.passes("upstream_down"));
    CHECK(sinks[1].chat.filter.min_severity == AlertSeverity::critical);
    CHECK(sinks[1].chat.filter.kinds == std::vector<std::string>{"fever", "tamper"});
    CHECK(sinks[1].chat.filter.passes("fever"));
    CHECK_FALSE(sinks[1].chat.filter.passes("door_forced"));  // critical, but not one of the kinds

    CHECK_THAT(parse_error(R"(
[[forwarding.sinks]]
type = "dingtalk"
url = "https://x"
min_severity = "high"
)"), Catch::StartsWith("sinks.toml:5:") && Catch::Contains("forwarding.sinks[0].min_severity"));
    CHECK_THAT(parse_error(R"(
[[forwarding.sinks]]
type = "dingtalk"
url = "https://x"
kinds = ["fevre"]
)"), Catch::Contains("kinds: expected alert kinds: fever"));
}

TEST_CASE("sink configuration: an MQTT cluster's nodes in brokers", "[forwarding][config][fleet]") {
    const auto sinks = parse_sinks(R"(
[[forwarding.sinks]]
type = "mqtt"
brokers = ["mqtt-1.campus:8883", "10.0.0.2", "[fd00::3]:1884"]
)");
    REQUIRE(sinks.size() == 1);
    const std::vector<MqttBrokerAddress> expected{{"mqtt-1.campus", 8883}, {"10.0.0.2", 1883}, {"fd00::3", 1884}};
    CHECK(sinks[0].mqtt.brokers == expected);
    CHECK(sinks[0].mqtt.brokers[2].to_string() == "[fd00::3]:1884");
    // The single host/port keys are a list of one; neither given is the local broker.
    CHECK(parse_sinks("[[forwarding.sinks]]\ntype = \"mqtt\"\nhost = \"b\"\nport = 1999\n")[0].mqtt.brokers ==
          std::vector<MqttBrokerAddress>{{"b", 1999}});
    CHECK(parse_sinks("[[forwarding.sinks]]\ntype = \"mqtt\"\n")[0].mqtt.brokers ==
          std::vector<MqttBrokerAddress>{{"127.0.0.1", 1883}});

    const std::string head = "[[forwarding.sinks]]\ntype = \"mqtt\"\n";
    CHECK_THAT(parse_error(head + "brokers = [\"a:1883\"]\nhost = \"b\"\n"),
               Catch::Contains("sinks.toml:4:") && Catch::Contains("set either brokers or host/port, not both"));
    CHECK_THAT(parse_error(head + "brokers = [\"a:1883\"]\nport = 1884\n"), Catch::Contains("not both"));
    CHECK_THAT(parse_error(head + "brokers = []\n"), Catch::Contains("brokers") && Catch::Contains("non-empty array"));
    CHECK_THAT(parse_error(head + "brokers = \"a:1883\"\n"), Catch::Contains("non-empty array"));
    CHECK_THAT(parse_error(head + "brokers = [\"a:0\"]\n"), Catch::Contains("sinks.toml:3:") && Catch::Contains("\"a:0\""));
    CHECK_THAT(parse_error(head + "brokers = [\"a:65536\"]\n"), Catch::Contains("port 1..65535"));
    CHECK_THAT(parse_error(head + "brokers = [\"a:x\"]\n"), Catch::Contains("\"a:x\""));
    CHECK_THAT(parse_error(head + "brokers = [\":1883\"]\n"), Catch::Contains("brokers"));
    CHECK_THAT(parse_error(head + "brokers = [\"fd00::3\"]\n"), Catch::Contains("[v6]:port"));
    CHECK_THAT(parse_error(head + "brokers = [1883]\n"), Catch::Contains("brokers"));
    CHECK_THAT(parse_error(head + "brokers = [\"a:1883\", \"a:1883\"]\n"), Catch::Contains("a:1883 is listed twice"));
}
