#include "gatehouse/daemon/forwarding/forwarding_config.hpp"

#include <algorithm>

#include "config/toml_table_reader.hpp"
#include "gatehouse/daemon/gateway_config.hpp"

namespace gatehouse::daemon::forwarding {
namespace {

constexpr std::int64_t kMiB = storage::OutboxLimits::kMiB;
constexpr std::int64_t kMaxMiB = 1024 * 1024;  // 1 TiB: far beyond any gateway's disk, small enough not to overflow

/// `[forwarding.lanes.<lane>]`: max_mb, hard_cap_mb (alert only), ttl_hours.
void read_lane(const toml::table& table, const std::string& source, storage::OutboxLane lane,
               storage::OutboxLaneLimits& limits) {
    const std::string name(storage::to_string(lane));
    TableReader r(table, source, "forwarding.lanes." + name);
    std::int64_t max_mb = limits.max_bytes / kMiB;
    r.integer("max_mb", max_mb, 1, kMaxMiB);
    limits.max_bytes = max_mb * kMiB;
    if (lane == storage::OutboxLane::alert) {
        std::int64_t hard_cap_mb = limits.effective_hard_cap() / kMiB;
        if (!table.get("hard_cap_mb")) hard_cap_mb = std::max(hard_cap_mb, max_mb);
        r.integer("hard_cap_mb", hard_cap_mb, 1, kMaxMiB);
        if (hard_cap_mb < max_mb) {
            r.fail(r.get("hard_cap_mb")->source(), "hard_cap_mb", "must be at least max_mb (" + std::to_string(max_mb) + ")");
        }
        limits.hard_cap_bytes = hard_cap_mb * kMiB;
    }
    if (table.get("ttl_hours")) {
        std::int64_t hours = 0;
        r.integer("ttl_hours", hours, 1, 24 * 366);
        limits.ttl = std::chrono::hours(hours);
    }
    r.reject_unknown();
}

}  // namespace

ForwardingConfig read_forwarding_config(const toml::table& forwarding, const std::string& source) {
    ForwardingConfig c;
    TableReader r(forwarding, source, "forwarding");
    c.enabled = true;
    r.boolean("enabled", c.enabled);
    if (const toml::array* sinks = r.array_of_tables("sinks")) c.sinks = read_sink_configs(*sinks, source);
    if (const toml::table* lanes = r.subtable("lanes")) {
        TableReader lane_reader(*lanes, source, "forwarding.lanes");
        for (const auto lane : {storage::OutboxLane::alert, storage::OutboxLane::record, storage::OutboxLane::routine}) {
            if (const toml::table* t = lane_reader.subtable(std::string(storage::to_string(lane)))) {
                read_lane(*t, source, lane, c.limits.of(lane));
            }
        }
        lane_reader.reject_unknown();
    }
    r.integer("buffer_high_percent", c.limits.buffer_high_percent, 1, 99);
    r.duration("retry_initial_ms", c.retry_initial, 10, 3'600'000);
    r.duration("retry_max_ms", c.retry_max, 10, 86'400'000);
    if (c.retry_max < c.retry_initial) {
        r.fail(forwarding.source(), "retry_max_ms", "must be at least retry_initial_ms");
    }
    if (const toml::node* n = r.get("max_drain_rate")) {
        if (!n->is_number()) r.fail(n->source(), "max_drain_rate", "expected records per second (0: unlimited)");
        c.max_drain_rate = n->value<double>().value_or(-1);
        if (!(c.max_drain_rate >= 0 && c.max_drain_rate <= 1e7)) {  // so that TOML's nan fails too
            r.fail(n->source(), "max_drain_rate", "must be between 0 (unlimited) and 10000000 records/s");
        }
    }
    r.duration("upstream_down_after_s", c.upstream_down_after, 1, 7 * 86'400);
    r.reject_unknown();
    return c;
}

}  // namespace gatehouse::daemon::forwarding
