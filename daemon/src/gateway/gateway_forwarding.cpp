// Gateway: the forwarder's figures turned into alerts.
#include "gateway/gateway_impl.hpp"

#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon {

void Gateway::Impl::check_forwarding() {
    if (!forwarder) return;
    forwarding = forwarder->snapshot();
    if (!forwarding.outbox_read) return;
    if (forwarding.buffer_high) {
        std::string lanes;
        for (auto lane : forwarding.high_lanes) lanes += (lanes.empty() ? "" : ", ") + std::string(storage::to_string(lane));
        raise_condition({"buffer_high", "", "outbox", std::nullopt, std::nullopt, std::nullopt,
                         "Upstream backlog high in the outbox (" + lanes +
                             " lane): the upstream is unreachable or slow; records will be dropped when a lane is full"});
    } else {
        clear_condition("buffer_high", "outbox", "backlog below the buffer_high level");
        clear_condition("outbox_rejected", "alert", "the alert lane has room again");
    }
    check_upstreams();
}

void Gateway::Impl::check_upstreams() {
    const std::int64_t now_ms = ipc::utc_now_ms();
    const auto down_after_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(config.forwarding.upstream_down_after).count();
    for (const auto& sink : forwarding.sinks) {
        if (sink.failing_since_ms && now_ms - *sink.failing_since_ms >= down_after_ms) {
            raise_condition({"upstream_down", "", sink.name, std::nullopt, std::nullopt, std::nullopt,
                             "Upstream " + sink.name + " has not confirmed a delivery for " +
                                 std::to_string((now_ms - *sink.failing_since_ms) / 1000) +
                                 " s: " + (sink.last_error.empty() ? "not confirmed" : sink.last_error) +
                                 "; its records wait in the outbox"});
        } else if (sink.last_success_ms && !sink.failing_since_ms) {
            // Only a confirmed delivery closes it: a restart alone proves nothing about the upstream.
            clear_condition("upstream_down", sink.name, "the upstream confirms deliveries again");
        }
    }
}

}  // namespace gatehouse::daemon
