#include "gatehouse/daemon/batch_builder.hpp"

#include "gatehouse/daemon/console_messages.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon {

BatchBuilder::BatchBuilder(std::size_t max_batch, std::chrono::microseconds commit_window)
    : max_batch_(max_batch), commit_window_(commit_window) {}

void BatchBuilder::set_limits(std::size_t max_batch, std::chrono::microseconds commit_window) {
    max_batch_ = max_batch;
    commit_window_ = commit_window;
}

// Everything that goes into the batch calls this first: the commit window starts with the batch's first record.
void BatchBuilder::opened() {
    if (batch_.empty()) deadline_ = SteadyClock::now() + commit_window_;
}

void BatchBuilder::forward(storage::OutboxLane lane, std::string kind, const std::string& gate, std::int64_t at_ms,
                           std::string body, std::optional<std::string> person, std::optional<std::int64_t> screening,
                           std::optional<storage::EventKey> for_event) {
    batch_.records.outbox.push_back({lane, std::move(kind), gate, at_ms, std::move(body), std::move(for_event),
                                     std::move(person), screening});
}

void BatchBuilder::add_resend(const storage::EventKey& key, const std::string& peer) {
    batch_.acks.at(index_.at(key)).peers.push_back(peer);
}

void BatchBuilder::add_event(const ipc::Event& event, const std::string& gate, std::int64_t received_ms,
                             const std::string& peer, std::vector<RaisedAlert> alerts) {
    const storage::EventKey key{event.terminal, event.seq};
    const std::optional<std::string> person = ipc::event_person(event.data);
    storage::EventRecord record{event.terminal,  event.seq,   gate,          std::string(ipc::event_kind(event.data)),
                                person,          event.occurred_ms, received_ms, event.offline,
                                ipc::encode_event_data(event)};
    const bool pseudonymise = upstream_.forward && upstream_.pseudonymiser && person;
    std::string body;  // written once, shared by the console and the outbox
    if (publish_events_ || (upstream_.forward && !pseudonymise)) body = encode_body(record);
    std::string upstream_body;
    if (pseudonymise) {
        storage::EventRecord copy = record;
        copy.person = upstream_.pseudonymiser->pseudonym(*person);
        copy.data_json = ipc::encode_event_data(event, *copy.person);
        upstream_body = encode_body(copy);
    } else if (upstream_.forward) {
        upstream_body = body;
    }
    // The event and who waits for its ack first: should anything after fail, the event is still committed and
    // acked, and only what it causes is missing (the failure is contained and counted by the caller).
    opened();
    const std::string kind = record.kind;
    index_.emplace(key, batch_.records.events.size());
    batch_.records.events.push_back(std::move(record));
    batch_.acks.push_back({{peer}});
    if (upstream_.forward) {
        forward(storage::OutboxLane::routine, kind, gate, received_ms, std::move(upstream_body), person, std::nullopt, key);
    }
    if (publish_events_) batch_.console.push_back({event_topic(batch_.records.events.back()), std::move(body), key});
    for (auto& raised : alerts) {
        release(raised, key);
        batch_.records.event_alerts.push_back({key, std::move(raised.alert)});
    }
}

void BatchBuilder::add_decision(storage::DecisionRecord decision, DecisionReply reply) {
    opened();
    std::string body = encode_body(decision);
    if (upstream_.forward) {
        std::string upstream_body = body;
        if (upstream_.pseudonymiser) {
            storage::DecisionRecord copy = decision;
            copy.person = upstream_.pseudonymiser->pseudonym(decision.person);
            upstream_body = encode_body(copy);
        }
        forward(storage::OutboxLane::record, "decision", decision.gate, decision.decided_ms, std::move(upstream_body),
                decision.person, decision.screening);
    }
    batch_.console.push_back({decision_topic(decision), std::move(body), std::nullopt});
    batch_.records.decisions.push_back(std::move(decision));
    batch_.decision_replies.push_back(std::move(reply));
}

void BatchBuilder::add_screening(storage::ScreeningRecord screening) {
    opened();
    std::string body = encode_body(screening);
    if (upstream_.forward) {
        forward(storage::OutboxLane::record, "screening", screening.gate, screening.screened_ms, body, std::nullopt,
                screening.id);
    }
    batch_.console.push_back({screening_topic(screening), std::move(body), std::nullopt});
    batch_.records.screenings.push_back(std::move(screening));
}

void BatchBuilder::release(const RaisedAlert& raised, const std::optional<storage::EventKey>& for_event) {
    const storage::AlertRecord& a = raised.alert;
    std::string body = encode_body(a);
    if (upstream_.forward) {
        std::string upstream_body = body;
        if (upstream_.pseudonymiser && a.person) {
            storage::AlertRecord copy = a;
            copy.person = upstream_.pseudonymiser->pseudonym(*a.person);
            if (raised.upstream_text) copy.text = *raised.upstream_text;
            upstream_body = encode_body(copy);
        }
        forward(storage::OutboxLane::alert, a.kind, a.gate, a.raised_ms, std::move(upstream_body), a.person,
                raised.screening, for_event);
    }
    batch_.console.push_back({alert_topic(a), std::move(body), for_event});
}

void BatchBuilder::add_alert(RaisedAlert raised) {
    opened();
    release(raised, std::nullopt);
    batch_.records.alerts.push_back(std::move(raised.alert));
}

void BatchBuilder::add_alert_action(storage::AlertAction action, const storage::AlertRecord& alert) {
    opened();
    std::string body = encode_body(action, alert);
    if (upstream_.forward) forward(storage::OutboxLane::alert, "alert_state", alert.gate, action.at_ms, body, std::nullopt, std::nullopt);
    batch_.console.push_back({alert_state_topic(alert), std::move(body), std::nullopt});
    batch_.records.alert_actions.push_back(std::move(action));
}

void BatchBuilder::add_hello(storage::TerminalRecord hello) {
    opened();
    batch_.hellos.push_back(std::move(hello));
}

void BatchBuilder::add_control_reply(PendingControlReply reply) {
    opened();
    batch_.control_replies.push_back(std::move(reply));
}

LedgerWriteBatch BatchBuilder::take() {
    LedgerWriteBatch out = std::move(batch_);
    batch_ = LedgerWriteBatch{};
    batch_.records.events.reserve(max_batch_);
    batch_.acks.reserve(max_batch_);
    index_.clear();
    return out;
}

}  // namespace gatehouse::daemon
