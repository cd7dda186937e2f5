// Gateway: the forwarder's figures turned into alerts.
#include "gateway/gateway_impl.hpp"

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
}

}  // namespace gatehouse::daemon
