#include <catch2/catch.hpp>

#include "gatehouse/daemon/adapters/adapter_reload.hpp"
#include "gatehouse/daemon/config_keys.hpp"

using namespace gatehouse::daemon;

namespace {

const std::string kBase = R"(
[security]
insecure_plaintext = true
[[gates]]
id = "g1"
[[terminals]]
id = "hik-1"
gate = "g1"
[[terminals]]
id = "zk-1"
gate = "g1"
)";

std::string refusal(const std::string& toml) {
    try {
        (void)parse_config(kBase + toml, "gw.toml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    FAIL("accepted: " << toml);
    return "";
}

}  // namespace

TEST_CASE("[[adapters]] is read with its devices", "[adapters][config]") {
    const auto c = parse_config(kBase + R"(
[[adapters]]
kind = "hikvision"
listen = "127.0.0.1:8088"
max_part_bytes = 65536
[[adapters.devices]]
serial = "DS-K1T671-001"
terminal = "hik-1"
allowed_addresses = ["127.0.0.1"]
[[adapters]]
id = "zk"
kind = "zkteco"
listen = "127.0.0.1:8089"
[[adapters.devices]]
serial = "CN123456"
terminal = "zk-1"
)",
                                "gw.toml");
    REQUIRE(c.adapters.size() == 2);
    CHECK(c.adapters[0].id == "hikvision");
    CHECK(c.adapters[0].kind == adapters::AdapterKind::hikvision);
    CHECK(c.adapters[0].max_part_bytes == 65536);
    CHECK(c.adapters[0].devices.at(0).allowed_addresses == std::vector<std::string>{"127.0.0.1"});
    CHECK(c.adapters[1].find_serial("CN123456")->terminal == "zk-1");
    CHECK_FALSE(c.adapters[1].find_serial("CN999"));
}

TEST_CASE("check-config refuses a bad [[adapters]] with the key and the reason", "[adapters][config]") {
    CHECK_THAT(refusal("[[adapters]]\nlisten = \"127.0.0.1:1\"\n[[adapters.devices]]\nserial=\"A\"\nterminal=\"hik-1\"\n"),
               Catch::Contains("adapters.kind"));
    CHECK_THAT(refusal("[[adapters]]\nkind = \"dahua\"\nlisten = \"127.0.0.1:1\"\n"), Catch::Contains("adapters.kind"));
    CHECK_THAT(refusal("[[adapters]]\nkind = \"zkteco\"\nlisten = \"nowhere\"\n"), Catch::Contains("adapters.listen"));
    CHECK_THAT(refusal("[[adapters]]\nkind = \"zkteco\"\nlisten = \"127.0.0.1:1\"\n"), Catch::Contains("adapters.devices"));
    CHECK_THAT(refusal("[[adapters]]\nkind = \"zkteco\"\nlisten = \"127.0.0.1:1\"\n[[adapters.devices]]\nserial=\"A\"\nterminal=\"nope\"\n"),
               Catch::Contains("not defined in [[terminals]]"));
    CHECK_THAT(refusal("[[adapters]]\nkind = \"zkteco\"\nlisten = \"127.0.0.1:1\"\n[[adapters.devices]]\nserial=\"A B\"\nterminal=\"zk-1\"\n"),
               Catch::Contains("adapters.devices.serial"));
    CHECK_THAT(refusal("[[adapters]]\nkind = \"zkteco\"\nlisten = \"127.0.0.1:1\"\n[[adapters.devices]]\nserial=\"A\"\nterminal=\"zk-1\"\n"
                       "[[adapters.devices]]\nserial=\"B\"\nterminal=\"zk-1\"\n"),
               Catch::Contains("already spoken for"));
    CHECK_THAT(refusal("[[adapters]]\nkind = \"zkteco\"\nlisten = \"127.0.0.1:1\"\n[[adapters.devices]]\nserial=\"A\"\nterminal=\"zk-1\"\ncolour=1\n"),
               Catch::Contains("colour"));
    CHECK_THAT(refusal("[[adapters]]\nkind = \"zkteco\"\nlisten = \"127.0.0.1:1\"\nmax_body_bytes = 10\n[[adapters.devices]]\nserial=\"A\"\nterminal=\"zk-1\"\n"),
               Catch::Contains("max_body_bytes"));
}

TEST_CASE("a reload applies device tables and keeps a changed listener for the restart", "[adapters][config][reload]") {
    const std::string adapter = "[[adapters]]\nkind = \"zkteco\"\nlisten = \"127.0.0.1:8089\"\n[[adapters.devices]]\nserial=\"A\"\nterminal=\"zk-1\"\n";
    const GatewayConfig running = parse_config(kBase + adapter, "a.toml");
    GatewayConfig next = parse_config(kBase + "[[adapters]]\nkind = \"zkteco\"\nlisten = \"127.0.0.1:9999\"\n"
                                              "[[adapters.devices]]\nserial=\"B\"\nterminal=\"zk-1\"\n",
                                      "b.toml");
    std::vector<std::string_view> changed;
    for (const ConfigKey* k : changed_keys(running, next)) {
        changed.push_back(k->name);
        if (k->apply == KeyApply::restart) k->keep(running, next);
    }
    CHECK(changed == std::vector<std::string_view>{"adapters.listen", "adapters"});
    CHECK(next.adapters.at(0).listen == "127.0.0.1:8089");  // waits for the restart
    CHECK(next.adapters.at(0).devices.at(0).serial == "B"); // applied live
    // A change of devices alone is live only.
    GatewayConfig devices_only = parse_config(kBase + "[[adapters]]\nkind = \"zkteco\"\nlisten = \"127.0.0.1:8089\"\n"
                                                      "[[adapters.devices]]\nserial=\"C\"\nterminal=\"zk-1\"\n",
                                              "c.toml");
    changed.clear();
    for (const ConfigKey* k : changed_keys(running, devices_only)) changed.push_back(k->name);
    CHECK(changed == std::vector<std::string_view>{"adapters"});
}

TEST_CASE("remote-check budget and a device's ISAPI address are read and checked", "[adapters][config][remote_check]") {
    const std::string adapter = "[[adapters]]\nkind = \"hikvision\"\nlisten = \"127.0.0.1:8088\"\n";
    const auto c = parse_config(kBase + adapter + "remote_check_budget_ms = 1000\n[[adapters.devices]]\nserial = \"D1\"\n"
                                                 "terminal = \"hik-1\"\nisapi_url = \"http://10.0.0.31:8080/\"\n",
                                "gw.toml");
    CHECK(c.adapters[0].remote_check_budget == std::chrono::milliseconds(1000));
    CHECK(c.adapters[0].devices[0].isapi_url == "http://10.0.0.31:8080");
    const auto defaults = parse_config(kBase + adapter + "[[adapters.devices]]\nserial = \"D1\"\nterminal = \"hik-1\"\n", "gw.toml");
    CHECK(defaults.adapters[0].remote_check_budget == std::chrono::milliseconds(1300));
    CHECK(defaults.adapters[0].devices[0].isapi_url.empty());
    CHECK_THAT(refusal(adapter + "remote_check_budget_ms = 1500\n[[adapters.devices]]\nserial = \"D1\"\nterminal = \"hik-1\"\n"),
               Catch::Contains("remote_check_budget_ms") && Catch::Contains("out of range"));
    CHECK_THAT(refusal(adapter + "[[adapters.devices]]\nserial = \"D1\"\nterminal = \"hik-1\"\nisapi_url = \"ftp://x\"\n"),
               Catch::Contains("isapi_url"));
    CHECK_THAT(refusal(adapter + "[[adapters.devices]]\nserial = \"D1\"\nterminal = \"hik-1\"\nisapi_url = \"http://x/?a\"\n"),
               Catch::Contains("isapi_url"));
}
