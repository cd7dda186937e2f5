// Backfill after an outage, through the real gatehoused: a simulated Hikvision device whose pushes gatehouse missed
// keeps them in its event log; when it returns (a post after terminal_offline), gatehouse searches that log with
// digest authentication, page by page, and stores each missed record exactly once.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "gateway_fixture.hpp"
#include "ledger_checks.hpp"
#include "mosquitto_broker.hpp"
#include "simulated_devices.hpp"
#include "test_console.hpp"

using namespace gatehouse::test;
using nlohmann::json;

namespace {

/// A record as the device's event log returns it (search field names: major, minor, time).
json log_record(std::int64_t serial_no) {
    return {{"major", 5}, {"minor", 75}, {"time", "2026-12-07T10:00:00+08:00"}, {"employeeNoString", "E" + std::to_string(serial_no)},
            {"serialNo", serial_no}, {"currTemperature", 36.5}, {"thermometryUnit", "celsius"}};
}

/// The same record as the device pushes it.
std::string pushed(std::int64_t serial_no) {
    json ace = log_record(serial_no);
    ace["majorEventType"] = ace["major"];
    ace["subEventType"] = ace["minor"];
    ace.erase("major");
    ace.erase("minor");
    ace.erase("time");
    return json{{"eventType", "AccessControllerEvent"}, {"dateTime", "2026-12-07T10:00:00+08:00"}, {"AccessControllerEvent", ace}}.dump();
}

std::set<std::int64_t> seqs_of(std::int64_t from, std::int64_t to) {
    std::set<std::int64_t> out;
    for (std::int64_t s = from; s <= to; ++s) {
        out.insert(s * 4);
        out.insert(s * 4 + 1);
    }
    return out;
}

}  // namespace

TEST_CASE("after an outage a Hikvision device's missed events are fetched from its log and stored exactly once",
          "[adapters][hikvision][backfill][integration]") {
    SimulatedHikvisionIsapi isapi("gatehouse-api", "L0g-Pa55");
    TempDir secrets;
    const auto credentials = secrets.path() / "device.credentials";
    std::ofstream(credentials) << "gatehouse-api:L0g-Pa55\n";
    ::chmod(credentials.c_str(), 0600);
    const int port = free_loopback_port();
    // A timeout well above the gaps between the test's own posts on a loaded machine: only the outage below is one.
    GatewayFixture gw(3, "[limits]\nheartbeat_interval_ms = 500\nheartbeat_timeout_ms = 1500\n"
                         "[[adapters]]\nid = \"hik\"\nkind = \"hikvision\"\nlisten = \"127.0.0.1:" + std::to_string(port) +
                         "\"\n[[adapters.devices]]\nserial = \"HIK-LOG\"\nterminal = \"t1\"\nisapi_url = \"" + isapi.url() +
                         "\"\ncredentials_file = \"" + credentials.string() + "\"\n");
    TestConsole console(gw.context(), gw.console_endpoint(), {"alert.terminal_offline."});
    gw.wait_for_console_topics(1);
    SimulatedHikvision device(port, "HIK-LOG");

    // Online: pushes 1..3, each also in the device's log. The first contact since start searches the log too.
    for (std::int64_t s = 1; s <= 3; ++s) {
        isapi.log_event(log_record(s));
        REQUIRE(device.post_json_digest(pushed(s), "gatehouse-api", "L0g-Pa55") == 200);
    }
    REQUIRE(eventually([&] { return !isapi.searches().empty(); }));

    // The outage: gatehouse hears nothing (the device cannot reach it) and raises terminal_offline; the device keeps
    // logging, 70 records: three pages of 30.
    console.expect("alert.terminal_offline.g1");
    for (std::int64_t s = 4; s <= 73; ++s) isapi.log_event(log_record(s));
    CHECK(stored_seqs(gw, "t1") == seqs_of(1, 3));

    // The device returns: its next post starts the backfill.
    const std::size_t searches_before = isapi.searches().size();
    REQUIRE(device.post_json_digest(pushed(74), "gatehouse-api", "L0g-Pa55") == 200);
    CHECK(eventually([&] { return stored_seqs(gw, "t1") == seqs_of(1, 74); }, std::chrono::seconds(30)));
    // Three pages, by searchResultPosition, with digest authentication (the first call of each is challenged).
    const auto searches = isapi.searches();
    REQUIRE(searches.size() >= searches_before + 3);
    CHECK(searches[searches_before]["searchResultPosition"] == 0);
    CHECK(searches[searches_before + 1]["searchResultPosition"] == 30);
    CHECK(searches[searches_before + 2]["searchResultPosition"] == 60);
    CHECK(searches[searches_before]["startTime"].is_string());
    CHECK(isapi.unauthenticated() >= 1);

    // Backfilled records say so; a late resend of one of them is still stored once.
    REQUIRE(device.post_json_digest(pushed(40), "gatehouse-api", "L0g-Pa55") == 200);
    CHECK(stored_seqs(gw, "t1") == seqs_of(1, 74));  // fails on any seq stored twice
    gatehouse::storage::Ledger ledger({gw.ledger_path(), /*read_only=*/true});
    gatehouse::storage::EventFilter f;
    f.terminal = "t1";
    for (const auto& row : ledger.query_events(f)) {
        if (row.event.seq == 40 * 4) {
            CHECK(row.event.offline);
            CHECK(json::parse(row.event.data_json)["backfilled"] == true);
        }
    }
}
