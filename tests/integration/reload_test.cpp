// `gatehouse reload` against the real daemon, one test per configuration section: each changed key is either in
// effect after the reload (status shows it, behaviour follows it) or reported as waiting for a restart (and the
// running value stays, in status too).
#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

#include "gatehouse/ipc/control_messages.hpp"
#include "gatehouse/ipc/curve_keys.hpp"
#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "test_terminal.hpp"

using namespace gatehouse::test;
using nlohmann::json;
namespace ipc = gatehouse::ipc;

namespace {

json reload(GatewayFixture& gw) { return gw.control({{"v", 1}, {"cmd", "reload"}}); }

bool lists(const json& reply, const char* field, const std::string& key) {
    const auto& keys = reply.at(field);
    return std::find(keys.begin(), keys.end(), key) != keys.end();
}

void expect_applied(const json& reply, const std::string& key) {
    CAPTURE(reply.dump(), key);
    REQUIRE(reply["ok"] == true);
    CHECK(lists(reply, "applied", key));
    CHECK_FALSE(lists(reply, "restart_required", key));
    CHECK(reply["failed"].empty());
}

void expect_restart(const json& reply, const std::string& key) {
    CAPTURE(reply.dump(), key);
    REQUIRE(reply["ok"] == true);
    CHECK(lists(reply, "restart_required", key));
    CHECK_FALSE(lists(reply, "applied", key));
}

}  // namespace

TEST_CASE("reload [gateway]: the identity waits for a restart, and status keeps the running one", "[integration][reload]") {
    GatewayFixture gw;
    gw.edit_config("id = \"test-gw\"", "id = \"renamed-gw\"\nsite = \"elsewhere\"");
    const json reply = reload(gw);
    expect_restart(reply, "gateway.id");
    expect_restart(reply, "gateway.site");
    CHECK(gw.status()["gateway"] == "test-gw");
    CHECK(gw.status()["site"] == "default");
    // The log says so too.
    CHECK_THAT(gw.process().stderr_text(), Catch::Contains("gateway.id, gateway.site take effect only at a restart"));
}

TEST_CASE("reload [listen] and [security]: sockets stay where they are until a restart", "[integration][reload]") {
    GatewayFixture gw;
    const std::string consoles = gw.status()["endpoints"]["consoles"].get<std::string>();
    gw.edit_config("consoles = \"tcp://127.0.0.1:*\"", "consoles = \"tcp://127.0.0.1:0\"");
    const auto key = ipc::generate_curve_keypair();
    ipc::write_keypair_files(gw.dir() / "new-server", key, false);
    gw.edit_config("insecure_plaintext = true", "secret_key_file = \"" + (gw.dir() / "new-server.key").string() + "\"");
    const json reply = reload(gw);
    expect_restart(reply, "listen.consoles");
    expect_restart(reply, "security.secret_key_file");
    expect_restart(reply, "security.insecure_plaintext");
    const json status = gw.status();
    CHECK(status["endpoints"]["consoles"] == consoles);
    CHECK(status["security"]["mode"] == "insecure_plaintext");
    // Terminals still speak plaintext to the running socket.
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    CHECK(t1.hello()["type"] == "welcome");
}

TEST_CASE("reload: a file with an error is refused and nothing changes", "[integration][reload]") {
    GatewayFixture gw;
    gw.edit_config("[ledger]", "[ledger]\nmax_batch = -3");
    const auto reply = gw.control({{"v", 1}, {"cmd", "reload"}});
    CHECK(reply["ok"] == false);
    CHECK_THAT(reply["error"].get<std::string>(), Catch::Contains("max_batch"));
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    t1.send_event(1);
    CHECK(t1.expect_reply()["type"] == "ack");
}

TEST_CASE("reload [limits]: the terminal limits apply at once, the message size at a restart", "[integration][reload]") {
    GatewayFixture gw(3, "[limits]\nseq_window = 1000\nmax_message_bytes = 4096\n");
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    t1.send_event(1);
    REQUIRE(t1.expect_reply()["type"] == "ack");
    gw.edit_config("seq_window = 1000\nmax_message_bytes = 4096",
                   "seq_window = 10\nmax_message_bytes = 8192\nconsole_queue = 50\nterminal_rate = 100\n"
                   "terminal_burst = 100\nmax_future_skew_s = 60\nheartbeat_timeout_ms = 20000\n"
                   "heartbeat_interval_ms = 2000");
    const json reply = reload(gw);
    for (const char* key : {"limits.seq_window", "limits.console_queue", "limits.terminal_rate", "limits.terminal_burst",
                            "limits.max_future_skew_s", "limits.heartbeat_timeout_ms", "limits.heartbeat_interval_ms"}) {
        expect_applied(reply, key);
    }
    expect_restart(reply, "limits.max_message_bytes");
    t1.send_event(50);  // within the old window of 1000, beyond the new one of 10
    CHECK(t1.expect_reply()["code"] == "seq_ahead");
    CHECK(t1.hello()["heartbeat_interval_ms"] == 2000);
    t1.send_raw(std::string(5000, '{'));  // over the running 4096 bytes, under the 8192 that waits for a restart
    CHECK(t1.expect_reply()["code"] == "message_too_large");
    CHECK(gw.status()["security"]["terminal_rate"] == 100);
}

TEST_CASE("reload [ledger] and [log]: batch limits and the log level apply, the ledger file waits", "[integration][reload]") {
    GatewayFixture gw;
    const std::string ledger = gw.status()["ledger"]["path"].get<std::string>();
    gw.edit_config("[ledger]\npath = \"" + gw.ledger_path().string() + "\"",
                   "[ledger]\npath = \"" + (gw.dir() / "other.db").string() + "\"\nmax_batch = 10\ncommit_window_us = 500\n"
                   "max_size_mb = 100\n\n[log]\nlevel = \"debug\"");
    const json reply = reload(gw);
    expect_restart(reply, "ledger.path");
    expect_restart(reply, "ledger.max_size_mb");
    expect_applied(reply, "ledger.max_batch");
    expect_applied(reply, "ledger.commit_window_us");
    expect_applied(reply, "log.level");
    CHECK(gw.status()["ledger"]["path"] == ledger);
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    for (int seq = 1; seq <= 25; ++seq) t1.send_event(seq);
    for (int seq = 1; seq <= 25; ++seq) REQUIRE(t1.expect_reply()["type"] == "ack");
    CHECK(gw.status()["counters"]["largest_batch"].get<int>() <= 10);
    CHECK_THAT(gw.process().stderr_text(), Catch::Contains("event t1#25"));  // a debug line
    CHECK_FALSE(std::filesystem::exists(gw.dir() / "other.db"));
}

TEST_CASE("reload [metrics]: the endpoint moves at once", "[integration][reload]") {
    GatewayFixture gw;
    REQUIRE_FALSE(gw.status()["endpoints"]["metrics"].is_null());
    gw.edit_config("listen = \"127.0.0.1:0\"", "listen = \"\"");
    expect_applied(reload(gw), "metrics.listen");
    CHECK(gw.status()["endpoints"]["metrics"].is_null());
    gw.edit_config("listen = \"\"", "listen = \"127.0.0.1:0\"");
    expect_applied(reload(gw), "metrics.listen");
    CHECK_FALSE(gw.status()["endpoints"]["metrics"].is_null());
}

TEST_CASE("reload [alerts], [[gates]], [[terminals]]: policies, alert switches and terminals apply at once",
          "[integration][reload]") {
    GatewayFixture gw(2, "", "[gates.policy]\nrequire_health_code = false\n");
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    gw.edit_config("require_health_code = false", "require_health_code = false\nfever_threshold = 38.0");
    gw.append_config("[alerts]\ndenied = false\n\n[[terminals]]\nid = \"t9\"\ngate = \"g2\"\n");
    const json reply = reload(gw);
    expect_applied(reply, "gates");
    expect_applied(reply, "alerts.denied");
    expect_applied(reply, "terminals");
    const json gates = gw.status()["gates"];
    CHECK(gates[0]["fever_threshold"] == 38.0);
    auto request = t1.request("r1", "E1");
    request.celsius = 37.6;  // under the new threshold, over the old one
    t1.send(request);
    CHECK(t1.expect_reply()["result"] == "grant");
    TestTerminal t9(gw.context(), gw.endpoint(), "t9");
    CHECK(t9.hello()["type"] == "welcome");
}

TEST_CASE("reload [[cameras]]: a new camera starts", "[integration][reload]") {
    GatewayFixture gw;
    REQUIRE(gw.status()["cameras"].empty());
    gw.append_config("[[cameras]]\nid = \"cam9\"\ngate = \"g2\"\nsource = \"dir:" + (gw.dir() / "no-frames").string() +
                     "\"\nmax_backoff_ms = 500\n");
    expect_applied(reload(gw), "cameras");
    const json cameras = gw.status()["cameras"];
    REQUIRE(cameras.size() == 1);
    CHECK(cameras[0]["id"] == "cam9");
}

TEST_CASE("reload [retention] and [privacy]: the purge and the upstream names change at once", "[integration][reload]") {
    GatewayFixture gw;
    const auto secret = gw.dir() / "site.secret";
    {
        std::ofstream(secret) << "a site secret of at least sixteen bytes";
    }
    std::filesystem::permissions(secret, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    gw.append_config("[retention]\nevents_days = 3\nsnapshots_days = 2\n\n[privacy]\npseudonymise_upstream = true\n"
                     "site_secret_file = \"" + secret.string() + "\"\n");
    const json reply = reload(gw);
    expect_applied(reply, "retention.events_days");
    expect_applied(reply, "retention.snapshots_days");
    expect_applied(reply, "privacy.pseudonymise_upstream");
    expect_applied(reply, "privacy.site_secret_file");
    const json status = gw.status();
    CHECK(status["retention"]["days"]["events"] == 3);
    CHECK(status["privacy"]["pseudonymise_upstream"] == true);
}

TEST_CASE("reload [reports] and gateway.timezone: the schedule and the local day change at once, a bad zone changes nothing",
          "[integration][reload][reports]") {
    GatewayFixture gw;
    gw.edit_config("id = \"test-gw\"", "id = \"test-gw\"\ntimezone = \"Asia/Shanghai\"");
    gw.append_config("[reports]\ndaily_upstream_at = \"07:30\"\n");
    const json reply = reload(gw);
    expect_applied(reply, "gateway.timezone");
    expect_applied(reply, "reports.daily_upstream_at");
    json reports = gw.status()["reports"];
    CHECK(reports["timezone"] == "Asia/Shanghai");
    CHECK(reports["daily_upstream_at"] == "07:30");

    // An unknown zone is a configuration error: the reload is refused and the running schedule stays.
    gw.edit_config("timezone = \"Asia/Shanghai\"", "timezone = \"Asia/Beijing\"");
    const json refused = reload(gw);
    CAPTURE(refused.dump());
    CHECK(refused["ok"] == false);
    reports = gw.status()["reports"];
    CHECK(reports["timezone"] == "Asia/Shanghai");
    CHECK(reports["daily_upstream_at"] == "07:30");
}

TEST_CASE("reload [forwarding]: the forwarder starts with the new section and the outbox takes its limits",
          "[integration][reload]") {
    GatewayFixture gw;
    REQUIRE(gw.status()["forwarding"].is_null());
    gw.append_config("[forwarding]\nenabled = true\n[forwarding.lanes.routine]\nmax_mb = 1\n[[forwarding.sinks]]\n"
                     "name = \"hook\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:9/records\"\n");
    const json reply = reload(gw);
    expect_applied(reply, "forwarding.enabled");
    expect_applied(reply, "forwarding.sinks");
    expect_applied(reply, "forwarding.lanes");
    // The ledger took the new cap of the routine lane: 1.2 MiB of events with nobody to take them drops the oldest
    // (under the default cap of 512 MiB nothing would be dropped).
    TestTerminal t2(gw.context(), gw.endpoint(), "t2");
    const std::string padding(2000, 'p');
    for (int seq = 1; seq <= 600; ++seq) {
        auto e = t2.event(seq);
        e.extra_data = {{"padding", json(padding).dump()}};
        t2.send(e);
        if (seq % 100 == 0) {
            for (int i = 0; i < 100; ++i) REQUIRE(t2.expect_reply()["type"] == "ack");
        }
    }
    json routine;
    REQUIRE(eventually([&] {
        const json f = gw.status()["forwarding"];
        if (f.is_null() || f["lanes"][2]["dropped"].get<std::int64_t>() == 0) return false;
        routine = f["lanes"][2];
        return true;
    }));
    CHECK(routine["max_bytes"] == 1024 * 1024);
    CHECK(routine["bytes"].get<std::int64_t>() <= 1024 * 1024);
}

TEST_CASE("reload [[consoles]] and [[admins]]: client keys apply at once", "[integration][reload]") {
    GatewayFixture gw(3, "", "", "", Transport::curve);
    const auto console = ipc::generate_curve_keypair();
    const auto admin = ipc::generate_curve_keypair();
    gw.append_config("[[consoles]]\nid = \"office\"\npublic_key = \"" + console.public_key + "\"\ntopics = [\"alert.\"]\n\n"
                     "[[admins]]\nid = \"ops\"\npublic_key = \"" + admin.public_key + "\"\n");
    const json reply = reload(gw);
    expect_applied(reply, "consoles");
    expect_applied(reply, "admins");
}

TEST_CASE("gatehouse reload prints what took effect and what waits for a restart", "[integration][reload][cli]") {
    GatewayFixture gw;
    gw.edit_config("id = \"test-gw\"", "id = \"renamed-gw\"");
    gw.append_config("[log]\nlevel = \"warn\"\n");
    const auto r = run_command(bin("gatehouse"), {"reload", "--config", gw.config_path().string()}, gw.dir().path());
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("in effect now:") && Catch::Contains("log.level"));
    CHECK_THAT(r.out, Catch::Contains("next restart") && Catch::Contains("gateway.id"));
}
