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
