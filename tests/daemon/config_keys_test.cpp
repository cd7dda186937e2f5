#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include "gatehouse/daemon/config_keys.hpp"
#include "gatehouse/daemon/gateway.hpp"

using namespace gatehouse::daemon;

TEST_CASE("every configuration key belongs to a subsystem of the gateway, once", "[daemon][config][reload]") {
    const auto subsystems = Gateway::subsystem_names();
    std::set<std::string_view> names;
    for (const auto& k : config_keys()) {
        CAPTURE(k.name);
        CHECK(names.insert(k.name).second);
        CHECK(std::find(subsystems.begin(), subsystems.end(), k.subsystem) != subsystems.end());
    }
}

TEST_CASE("a reload sees each changed key, and keeps the running value of one that waits for a restart",
          "[daemon][config][reload]") {
    const GatewayConfig running = parse_config("[security]\ninsecure_plaintext = true\n", "a.toml");
    GatewayConfig next = parse_config(R"(
[gateway]
id = "north"
[limits]
seq_window = 7
[security]
insecure_plaintext = true
[[gates]]
id = "g1"
)",
                                      "b.toml");
    std::vector<std::string_view> changed;
    for (const ConfigKey* k : changed_keys(running, next)) changed.push_back(k->name);
    CHECK(changed == std::vector<std::string_view>{"gateway.id", "limits.seq_window", "gates"});
    for (const ConfigKey* k : changed_keys(running, next)) {
        if (k->apply == KeyApply::restart) k->keep(running, next);
    }
    CHECK(next.gateway_id == running.gateway_id);
    CHECK(next.seq_window == 7);
    CHECK(changed_keys(running, next).size() == 2);
}

TEST_CASE("the annotated configuration marks every key live or restart as the table does", "[daemon][config][reload]") {
    // config/gatehouse.toml is what installers read: each key's comment ends with [live] or [restart].
    std::ifstream in(std::string(GATEHOUSE_SOURCE_DIR) + "/config/gatehouse.toml");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE_FALSE(text.empty());
    for (const auto& k : config_keys()) {
        CAPTURE(k.name);
        const std::string tag = std::string(k.name) + (k.apply == KeyApply::live ? " [live]" : " [restart]");
        CHECK(text.find(tag) != std::string::npos);
    }
}
