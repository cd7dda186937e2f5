// The adapter's HTTP listener itself, without a daemon: how it binds.
#include <catch2/catch.hpp>

#include "gatehouse/daemon/adapters/adapter_server.hpp"

using namespace gatehouse::daemon::adapters;

// cpp-httplib's default listener options set SO_REUSEPORT, with which a second gatehoused (or anything of the same
// user) could bind the same port and silently take half the devices' requests.
TEST_CASE("an adapter's listen address held by another listener is refused, not shared", "[adapters][listener]") {
    AdapterInbox inbox;
    AdapterConfig config;
    config.id = "hik";
    config.kind = AdapterKind::hikvision;
    config.listen = "127.0.0.1:0";
    AdapterServer first(config, {&inbox});
    REQUIRE_FALSE(first.address().empty());
    config.id = "hik-again";
    config.listen = first.address();
    CHECK_THROWS_WITH(AdapterServer(config, {&inbox}),
                      Catch::Contains("adapter hik-again") && Catch::Contains("cannot listen on " + first.address()));
}
