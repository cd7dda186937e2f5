// A type-confusion sweep over the running daemon's Hikvision endpoint: every field of a JSON event notification
// (the top level and AccessControllerEvent's, remote check included) replaced by null, booleans, numbers, long and
// empty strings, arrays and objects. Each post gets 200 or 400 (never a 500, never a dropped connection), and the
// daemon still answers and stores a good event afterwards.
#include <catch2/catch.hpp>

#include "gateway_fixture.hpp"
#include "ledger_checks.hpp"
#include "mosquitto_broker.hpp"
#include "simulated_devices.hpp"

using namespace gatehouse::test;
using nlohmann::json;

TEST_CASE("every field of a Hikvision event replaced by every JSON type: the daemon answers 200 or 400 and goes on",
          "[adapters][hikvision][fuzz][integration]") {
    SimulatedHikvisionIsapi isapi;
    const int port = free_loopback_port();
    GatewayFixture gw(3, "[[adapters]]\nid = \"hik\"\nkind = \"hikvision\"\nlisten = \"127.0.0.1:" + std::to_string(port) +
                             "\"\n[[adapters.devices]]\nserial = \"HIK-SWEEP\"\nterminal = \"t1\"\nisapi_url = \"" + isapi.url() + "\"\n",
                      "[gates.policy]\nrequire_health_code = false\n");
    SimulatedHikvision device(port, "HIK-SWEEP");
    const std::vector<json> values = {nullptr, true, false, 0, -1, 4294967296LL, -9223372036854775807LL - 1,
                                      18446744073709551615ULL, 1.5, -0.0, 1e308, "", std::string(20000, 'x'),
                                      "\u00e9\u4e2d", json::array(), json::array({1, "a", nullptr}), json::object(),
                                      json{{"a", json{{"b", 1}}}}};
    std::map<int, int> statuses;
    std::int64_t serial_no = 5000;
    for (const std::string fixture : {"hikvision_fever_card.json", "hikvision_remote_check.json", "hikvision_heartbeat.json"}) {
        const json base = json::parse(adapter_fixture(fixture));
        std::vector<std::vector<std::string>> paths;
        for (const auto& [k, v] : base.items()) {
            paths.push_back({k});
            if (v.is_object()) {
                for (const auto& [k2, v2] : v.items()) paths.push_back({k, k2});
            }
        }
        for (const auto& path : paths) {
            for (const auto& value : values) {
                json j = base;
                if (j.contains("AccessControllerEvent") && j["AccessControllerEvent"].is_object()) {
                    j["AccessControllerEvent"]["serialNo"] = ++serial_no;  // each its own event (unless replaced below)
                }
                json* at = &j;
                for (std::size_t i = 0; i + 1 < path.size(); ++i) at = &(*at)[path[i]];
                (*at)[path.back()] = value;
                auto r = device.post_json(j.dump());
                INFO(fixture << " " << path.back() << " = " << value.dump().substr(0, 60));
                REQUIRE(r);  // answered, not dropped
                CHECK((r->status == 200 || r->status == 400));
                ++statuses[r->status];
            }
        }
    }
    // Whole bodies of every type.
    for (const auto& value : values) {
        auto r = device.post_json(value.dump());
        REQUIRE(r);
        CHECK(r->status == 400);
    }
    INFO("answered 200: " << statuses[200] << ", 400: " << statuses[400]);
    CHECK(statuses[200] > 0);
    CHECK(statuses[400] > 0);

    // The daemon still answers, contained nothing as an internal error, and stores a good event.
    const json status = gw.status();
    CHECK(status["counters"]["internal_errors"].empty());
    json good = json::parse(adapter_fixture("hikvision_fever_card.json"));
    good["AccessControllerEvent"]["serialNo"] = 99;
    auto r = device.post_json(good.dump());
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(stored_seqs(gw, "t1").count(99 * 4) == 1);
}
