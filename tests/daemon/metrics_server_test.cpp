#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "gatehouse/daemon/metrics_server.hpp"

using gatehouse::daemon::MetricsServer;

// A start-up that fails in a later subsystem (the web console's TLS key, say) tears the metrics server down right
// after it started; a stop() that came before its thread listened used to be lost, and the teardown hung.
TEST_CASE("a metrics server stopped right after it started stops", "[daemon][metrics]") {
    for (int i = 0; i < 200; ++i) {
        MetricsServer server("127.0.0.1:0", [] { return std::optional<std::string>("up 1\n"); });
        CHECK_FALSE(server.address().empty());
    }
}

TEST_CASE("a metrics endpoint that cannot be bound says why and which key to change", "[daemon][metrics]") {
    auto render = [] { return std::optional<std::string>("up 1\n"); };
    MetricsServer first("127.0.0.1:0", render);
    try {
        MetricsServer second(first.address(), render);
        FAIL("a second server bound " << first.address());
    } catch (const std::runtime_error& e) {
        const std::string message = e.what();
        CHECK_THAT(message, Catch::Contains("cannot bind the metrics endpoint " + first.address()));
        CHECK_THAT(message, Catch::Contains("metrics.listen"));
        CHECK_THAT(message, Catch::Contains("address already in use"));
    }
    try {
        MetricsServer elsewhere("192.0.2.1:0", render);  // TEST-NET-1: never an address of this host
        FAIL("bound 192.0.2.1");
    } catch (const std::runtime_error& e) {
        CHECK_THAT(std::string(e.what()), Catch::Contains("not an address of this host"));
    }
}
