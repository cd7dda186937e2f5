#pragma once
// The `[forwarding]` section: which sinks, how much the outbox may hold, how retries and drains are paced.
#include <chrono>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "gatehouse/daemon/forwarding/sink_config.hpp"
#include "gatehouse/storage/outbox_limits.hpp"

namespace gatehouse::daemon::forwarding {

/// Validated forwarding configuration (see config/gatehouse.toml and docs/forwarding.md).
struct ForwardingConfig {
    /// Forwarding runs when enabled and at least one sink is configured. `enabled = false` keeps the sinks
    /// in the file but forwards nothing.
    bool enabled = false;
    std::vector<SinkConfig> sinks;
    /// Per-lane caps and time-to-live of the outbox, and the buffer_high level.
    storage::OutboxLimits limits;
    /// First wait after a failed delivery; doubles per failure (with jitter) up to retry_max.
    std::chrono::milliseconds retry_initial{1000};
    std::chrono::milliseconds retry_max{300000};
    /// Most records per second one sink sends while it works through a backlog, so that an upstream coming
    /// back after an outage is not flooded. 0: unlimited.
    double max_drain_rate = 500;
    /// A sink that has failed without a success for this long raises an `upstream_down` alert, closed by the
    /// gateway at its next confirmed delivery.
    std::chrono::seconds upstream_down_after{300};

    /// Whether a forwarder should run at all.
    bool active() const { return enabled && !sinks.empty(); }

    bool operator==(const ForwardingConfig&) const = default;
};

/// Parses the `[forwarding]` table (including `[[forwarding.sinks]]` and `[forwarding.lanes.*]`). `source`
/// names the file for messages and relative paths. Throws ConfigError "FILE:LINE:COL: key: what".
ForwardingConfig read_forwarding_config(const toml::table& forwarding, const std::string& source);

}  // namespace gatehouse::daemon::forwarding
