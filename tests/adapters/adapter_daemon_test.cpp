// Simulated Hikvision and ZKTeco devices posting to the real gatehoused over HTTP on 127.0.0.1: device event →
// ledger → alert on the console → upstream (a webhook sink), resends stored once, refused requests storing nothing.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "gateway_fixture.hpp"
#include "http_receiver.hpp"
#include "ledger_checks.hpp"
#include "mosquitto_broker.hpp"
#include "simulated_devices.hpp"
#include "test_console.hpp"

using namespace gatehouse::test;
using nlohmann::json;

namespace {

constexpr const char* kHikSerial = "DS-K1T671TM-001";
constexpr const char* kZkSerial = "CN0123456789";

struct AdapterPorts {
    int hikvision = free_loopback_port();
    int zkteco = free_loopback_port();
};

std::string adapters_config(const AdapterPorts& ports, const std::string& extra = "") {
    return extra + "[[adapters]]\nid = \"hik\"\nkind = \"hikvision\"\nlisten = \"127.0.0.1:" + std::to_string(ports.hikvision) +
           "\"\nmax_body_bytes = 65536\nmax_part_bytes = 32768\n"
           "[[adapters.devices]]\nserial = \"" + kHikSerial + "\"\nterminal = \"t1\"\nallowed_addresses = [\"127.0.0.1\"]\n"
           "[[adapters.devices]]\nserial = \"ELSEWHERE\"\nterminal = \"t3\"\nallowed_addresses = [\"10.9.9.9\"]\n"
           "[[adapters]]\nid = \"zk\"\nkind = \"zkteco\"\nlisten = \"127.0.0.1:" + std::to_string(ports.zkteco) +
           "\"\n[[adapters.devices]]\nserial = \"" + kZkSerial + "\"\nterminal = \"t2\"\n";
}

std::string webhook(const HttpReceiver& receiver) {
    return "[forwarding]\nenabled = true\n[[forwarding.sinks]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:" +
           std::to_string(receiver.port()) + "/records\"\n";
}

bool upstream_has(HttpReceiver& receiver, const std::string& text) {
    for (const auto& r : receiver.requests()) {
        if (r.body.find(text) != std::string::npos) return true;
    }
    return false;
}

std::size_t events_of(const GatewayFixture& gw, const std::string& terminal) { return stored_seqs(gw, terminal).size(); }

}  // namespace

TEST_CASE("a Hikvision terminal's fever post reaches the ledger, the console and the upstream, once",
          "[adapters][hikvision][integration]") {
    HttpReceiver upstream;
    AdapterPorts ports;
    GatewayFixture gw(3, adapters_config(ports, webhook(upstream)));
    TestConsole console(gw.context(), gw.console_endpoint(), {"alert.fever.", "event.g1."});
    gw.wait_for_console_topics(2);
    SimulatedHikvision device(ports.hikvision, kHikSerial);

    auto heartbeat = device.post_json(adapter_fixture("hikvision_heartbeat.json"));
    REQUIRE(heartbeat);
    CHECK(heartbeat->status == 200);
    CHECK(json::parse(heartbeat->body)["statusString"] == "OK");

    const std::string thermal = "\xff\xd8 thermal picture \xff\xd9";
    auto fever = device.post_multipart(adapter_fixture("hikvision_fever_card.json"), thermal);
    REQUIRE(fever);
    CHECK(fever->status == 200);
    // Acked only after the commit: both events are in the ledger when the answer arrives.
    CHECK(stored_seqs(gw, "t1") == std::set<std::int64_t>{1043 * 4, 1043 * 4 + 1});

    // The fever alert and the events, in whichever order the gateway publishes them.
    std::optional<ConsoleMessage> alert, event;
    while (!alert || !event) {
        auto m = console.receive(std::chrono::seconds(10));
        REQUIRE(m);
        if (m->topic.rfind("alert.fever.g1", 0) == 0) alert = m;
        if (m->topic.rfind("event.g1.", 0) == 0) event = m;
    }
    CHECK(alert->body["source"] == "t1");
    CHECK(event->body["terminal"] == "t1");

    // The thermal picture is the evidence, private, beside the ledger's snapshots.
    const auto picture = gw.ledger_path().parent_path() / "snapshots" / "adapter-hik" / "t1-1043-thermal.jpg";
    REQUIRE(std::filesystem::exists(picture));
    struct stat st {};
    REQUIRE(::stat(picture.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    std::ifstream in(picture, std::ios::binary);
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == thermal);

    CHECK(eventually([&] { return upstream_has(upstream, "fever"); }));

    // The device resends (it saw no answer): stored once, answered OK again.
    auto resent = device.post_multipart(adapter_fixture("hikvision_fever_card.json"), thermal);
    REQUIRE(resent);
    CHECK(resent->status == 200);
    CHECK(events_of(gw, "t1") == 2);

    // A face match with a normal temperature: two more events, no alert.
    auto normal = device.post_json(adapter_fixture("hikvision_face_temperature.json"));
    REQUIRE(normal);
    CHECK(normal->status == 200);
    CHECK(events_of(gw, "t1") == 4);
}

TEST_CASE("refused Hikvision requests store nothing", "[adapters][hikvision][integration][security]") {
    AdapterPorts ports;
    GatewayFixture gw(3, adapters_config(ports));
    // A serial nobody listed, and a listed device posting from an address not its own.
    SimulatedHikvision stranger(ports.hikvision, "UNKNOWN-1");
    auto r = stranger.post_json(adapter_fixture("hikvision_fever_card.json"));
    REQUIRE(r);
    CHECK(r->status == 403);
    SimulatedHikvision elsewhere(ports.hikvision, "ELSEWHERE");
    r = elsewhere.post_json(adapter_fixture("hikvision_fever_card.json"));
    REQUIRE(r);
    CHECK(r->status == 403);

    SimulatedHikvision device(ports.hikvision, kHikSerial);
    r = device.post_json("{\"eventType\":\"AccessControllerEvent\",\"AccessControllerEvent\":{\"majorEventType\":\"five\"}}");
    REQUIRE(r);
    CHECK(r->status == 400);
    r = device.post_json("not json at all");
    REQUIRE(r);
    CHECK(r->status == 400);
    // Over max_body_bytes (64 KiB), and a picture over max_part_bytes (32 KiB).
    r = device.post_json(std::string(70000, ' ') + adapter_fixture("hikvision_fever_card.json"));
    REQUIRE(r);
    CHECK(r->status == 413);
    r = device.post_multipart(adapter_fixture("hikvision_fever_card.json"), std::string(40000, 'x'));
    REQUIRE(r);
    CHECK(r->status == 413);

    CHECK(events_of(gw, "t1") == 0);
    CHECK(events_of(gw, "t3") == 0);
    CHECK(std::filesystem::is_empty(gw.ledger_path().parent_path() / "snapshots" / "adapter-hik"));
    // The adapter is still serving.
    r = device.post_json(adapter_fixture("hikvision_door_forced.json"));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(events_of(gw, "t1") == 1);
}

TEST_CASE("a Hikvision terminal whose heartbeats stop is terminal_offline, like a native one",
          "[adapters][hikvision][integration]") {
    AdapterPorts ports;
    GatewayFixture gw(3, adapters_config(ports, "[limits]\nheartbeat_interval_ms = 100\nheartbeat_timeout_ms = 400\n"));
    TestConsole console(gw.context(), gw.console_endpoint(), {"alert.terminal_offline.", "alert_state."});
    gw.wait_for_console_topics(2);
    SimulatedHikvision device(ports.hikvision, kHikSerial);
    auto r = device.post_json(adapter_fixture("hikvision_heartbeat.json"));
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const auto offline = console.expect("alert.terminal_offline.g1");
    CHECK(offline.body["source"] == "t1");
    // Its next heartbeat brings it back: the gateway closes the alert.
    r = device.post_json(adapter_fixture("hikvision_heartbeat.json"));
    REQUIRE(r);
    CHECK(r->status == 200);
    const auto closed = console.expect("alert_state.");
    CHECK(closed.body["id"] == offline.body["id"]);
    CHECK(closed.body["state"] == "closed");
}

TEST_CASE("a ZKTeco device's handshake, uploads with temperatures and polls, a resent upload is stored once",
          "[adapters][zkteco][integration]") {
    HttpReceiver upstream;
    AdapterPorts ports;
    GatewayFixture gw(3, adapters_config(ports, webhook(upstream)));
    TestConsole console(gw.context(), gw.console_endpoint(), {"alert.fever."});
    gw.wait_for_console_topics(1);
    SimulatedZkteco device(ports.zkteco, kZkSerial);

    auto options = device.handshake();
    REQUIRE(options);
    CHECK(options->status == 200);
    CHECK(options->body.find(std::string("GET OPTION FROM: ") + kZkSerial) != std::string::npos);
    CHECK(options->body.find("Realtime=1") != std::string::npos);

    auto upload = device.upload("ATTLOG", adapter_fixture("zkteco_attlog_temperature.txt"));
    REQUIRE(upload);
    CHECK(upload->status == 200);
    CHECK(upload->body == "OK: 2\n");
    // Two credentials and two temperatures, committed before the OK.
    CHECK(stored_seqs(gw, "t2") == std::set<std::int64_t>{1, 2, 3, 4});
    const auto alert = console.expect("alert.fever.g2");
    CHECK(alert.body["source"] == "t2");
    CHECK(eventually([&] { return upstream_has(upstream, "fever"); }));

    // No OK reached the device: it sends the same records again, with one new one.
    auto resent = device.upload("ATTLOG", adapter_fixture("zkteco_attlog_temperature.txt") + adapter_fixture("zkteco_attlog.txt"));
    REQUIRE(resent);
    CHECK(resent->status == 200);
    CHECK(stored_seqs(gw, "t2") == std::set<std::int64_t>{1, 2, 3, 4, 5, 6});

    auto rt = device.upload("rtlog", adapter_fixture("zkteco_rtlog.txt"));
    REQUIRE(rt);
    CHECK(rt->status == 200);
    CHECK(events_of(gw, "t2") == 8);

    auto oper = device.upload("OPERLOG", adapter_fixture("zkteco_operlog.txt"));
    REQUIRE(oper);
    CHECK(oper->body == "OK: 2\n");
    CHECK(events_of(gw, "t2") == 8);

    auto poll = device.poll();
    REQUIRE(poll);
    CHECK(poll->status == 200);
    CHECK(poll->body == "OK\n");
}

TEST_CASE("refused ZKTeco requests store nothing, the sequence survives a restart", "[adapters][zkteco][integration]") {
    AdapterPorts ports;
    GatewayFixture gw(3, adapters_config(ports));
    SimulatedZkteco stranger(ports.zkteco, "CN-NOT-LISTED");
    auto r = stranger.upload("ATTLOG", adapter_fixture("zkteco_attlog.txt"));
    REQUIRE(r);
    CHECK(r->status == 403);
    r = stranger.handshake();
    REQUIRE(r);
    CHECK(r->status == 403);

    SimulatedZkteco device(ports.zkteco, kZkSerial);
    r = device.upload("ATTLOG", "1001\t2026-11-22 08:15:30\t0\t15\nnot a record\n");
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(events_of(gw, "t2") == 0);

    // Without a handshake first (a device that was already running): the adapter asks the gateway for the seq.
    r = device.upload("ATTLOG", adapter_fixture("zkteco_attlog.txt"));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(stored_seqs(gw, "t2") == std::set<std::int64_t>{1, 2});

    // After a restart the gateway's welcome says where the sequence stands: new records follow, none overwritten.
    gw.process().signal(SIGTERM);
    REQUIRE(gw.process().wait() == 0);
    gw.start();
    r = device.upload("rtlog", adapter_fixture("zkteco_rtlog.txt"));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(stored_seqs(gw, "t2") == std::set<std::int64_t>{1, 2, 3, 4});
}

TEST_CASE("a ZKTeco upload resent after a gateway restart is stored once", "[adapters][zkteco][integration][restart]") {
    AdapterPorts ports;
    GatewayFixture gw(3, adapters_config(ports));
    SimulatedZkteco device(ports.zkteco, kZkSerial);
    auto r = device.upload("ATTLOG", adapter_fixture("zkteco_attlog.txt"));
    REQUIRE(r);
    CHECK(r->status == 200);
    r = device.upload("rtlog", adapter_fixture("zkteco_rtlog.txt"));
    REQUIRE(r);
    CHECK(r->status == 200);
    const auto before = stored_seqs(gw, "t2");
    REQUIRE(before.size() == 4);

    // The device saw no answer (gatehouse stopped right after the commit) and resends both uploads to the new process:
    // what was stored is known from the ledger, not from the old process's memory.
    gw.process().signal(SIGTERM);
    REQUIRE(gw.process().wait() == 0);
    gw.start();
    r = device.upload("ATTLOG", adapter_fixture("zkteco_attlog.txt"));
    REQUIRE(r);
    CHECK(r->status == 200);
    r = device.upload("rtlog", adapter_fixture("zkteco_rtlog.txt"));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(stored_seqs(gw, "t2") == before);  // fails on any record stored twice under a new seq

    // A new record after the restart is still stored.
    r = device.upload("ATTLOG", "1009\t2026-11-22 09:00:00\t0\t15\t0\t0\t0\n");
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(stored_seqs(gw, "t2").size() == 5);
}

TEST_CASE("a reload admits a device added to an adapter at once, a new listen address waits for the restart",
          "[adapters][integration][reload]") {
    AdapterPorts ports;
    GatewayFixture gw(3, adapters_config(ports));
    SimulatedZkteco newcomer(ports.zkteco, "CN-NEW");
    auto r = newcomer.upload("ATTLOG", adapter_fixture("zkteco_attlog.txt"));
    REQUIRE(r);
    CHECK(r->status == 403);
    CHECK(events_of(gw, "t3") == 0);

    // The Hikvision entry of t3 goes, a ZKTeco device takes t3, and the ZKTeco listener is asked to move.
    gw.edit_config("[[adapters.devices]]\nserial = \"ELSEWHERE\"\nterminal = \"t3\"\nallowed_addresses = [\"10.9.9.9\"]\n", "");
    gw.edit_config("[[adapters.devices]]\nserial = \"" + std::string(kZkSerial) + "\"",
                   "[[adapters.devices]]\nserial = \"CN-NEW\"\nterminal = \"t3\"\n[[adapters.devices]]\nserial = \"" +
                       std::string(kZkSerial) + "\"");
    gw.edit_config("listen = \"127.0.0.1:" + std::to_string(ports.zkteco) + "\"",
                   "listen = \"127.0.0.1:" + std::to_string(free_loopback_port()) + "\"");
    const json reply = gw.control({{"v", 1}, {"cmd", "reload"}});
    CAPTURE(reply.dump());
    REQUIRE(reply["ok"] == true);
    const auto listed = [&](const char* field, const std::string& key) {
        const auto& keys = reply.at(field);
        return std::find(keys.begin(), keys.end(), key) != keys.end();
    };
    CHECK(listed("applied", "adapters"));
    CHECK(listed("restart_required", "adapters.listen"));

    // Served at the old address (the listener stays until the restart), the new device is admitted now.
    r = newcomer.upload("ATTLOG", adapter_fixture("zkteco_attlog.txt"));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(events_of(gw, "t3") == 2);
}
