// Gateway: what goes into the outbox, and the forwarder's figures turned into alerts.
#include "gateway/gateway_impl.hpp"

#include <spdlog/spdlog.h>

#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon {

// Pseudonyms are written into the outbox body, so that the outbox holds exactly what goes out and the
// forwarder never needs the secret; the real id stays in the row's person column for erasure.
void Gateway::Impl::forward(storage::OutboxLane lane, const std::string& kind, const std::string& gate, std::int64_t at_ms,
                            nlohmann::json body, UpstreamSubject subject, std::optional<std::size_t> for_event) {
    if (!forwarder) return;
    if (pseudonymiser && subject.person) {
        const std::string pseudonym = pseudonymiser->pseudonym(*subject.person);
        body["person"] = pseudonym;
        // An event carries the terminal's own fields too, the person among them.
        if (auto data = body.find("data"); data != body.end() && data->is_object() && data->contains("person")) {
            (*data)["person"] = pseudonym;
        }
        if (subject.upstream_text) body["text"] = *subject.upstream_text;
    }
    pending.records.outbox.push_back(
        {lane, kind, gate, at_ms, body.dump(), for_event, std::nullopt, std::move(subject.person), subject.screening});
}

std::string Gateway::Impl::upstream_person(const std::string& person) const {
    return pseudonymiser ? pseudonymiser->pseudonym(person) : person;
}

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
