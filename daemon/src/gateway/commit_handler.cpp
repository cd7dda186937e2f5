#include "gatehouse/daemon/commit_handler.hpp"

#include <algorithm>
#include <iterator>
#include <set>

#include <spdlog/spdlog.h>

#include "gatehouse/ipc/control_messages.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon {
namespace {

template <typename T>
void append_moved(std::vector<T>& to, std::vector<T>& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
    from.clear();
}

}  // namespace

StoredEvents StoredEvents::of(const LedgerWriteResult& result) {
    StoredEvents stored;
    if (result.error) return stored;
    const auto& outcomes = result.outcomes;
    // The set is built only when the batch held a resend: otherwise every event is new.
    stored.all_ = std::find(outcomes.begin(), outcomes.end(), storage::AppendOutcome::duplicate) == outcomes.end();
    const auto& events = result.batch.records.events;
    for (std::size_t i = 0; !stored.all_ && i < events.size() && i < outcomes.size(); ++i) {
        if (outcomes[i] == storage::AppendOutcome::stored) stored.keys_.insert({events[i].terminal, events[i].seq});
    }
    return stored;
}


CommitReport CommitHandler::finish(LedgerWriteResult& result, SteadyTime now) {
    CommitReport report;
    report.committed = !result.error;
    report.error = result.error;
    report.fault = result.fault;
    // What the commit promised comes first.
    answer_events(result);
    answer_decisions(result, now);
    for (const auto& reply : result.batch.control_replies) {
        outputs_.to_control(reply.routing_id, result.error ? ipc::encode_control_refusal("could not record the action: " +
                                                                                         *result.error)
                                                           : reply.body);
    }
    // Then what follows from it.
    const StoredEvents stored = StoredEvents::of(result);
    boundary_.run("commit", [&] { publish(result, stored); });
    for (const auto& a : result.batch.records.event_alerts) {
        if (!stored.contains(a.event)) report.alerts_not_recorded.push_back(a.alert.id);
    }
    if (result.error) {
        storage::LedgerBatch& records = result.batch.records;
        if (!result.deferred_recorded) report.to_retry = std::move(result.batch.deferred);
        append_moved(report.to_retry.screenings, records.screenings);
        append_moved(report.to_retry.decisions, records.decisions);
        append_moved(report.to_retry.alerts, records.alerts);
        append_moved(report.to_retry.alert_actions, records.alert_actions);
        // Outbox entries of events go with their events (resent by the terminals); the others stay with their records.
        for (auto& entry : records.outbox) {
            if (!entry.for_event) report.to_retry.outbox.push_back(std::move(entry));
        }
        records.outbox.clear();
        return report;
    }
    report.outbox_rejected = result.outbox.rejected;
    report.outbox_written = !result.batch.records.outbox.empty();
    return report;
}

void CommitHandler::answer_events(const LedgerWriteResult& result) {
    const auto& events = result.batch.records.events;
    const auto& acks = result.batch.acks;
    if (result.error) {
        ++counters_.commit_failures;
        const ipc::ProtocolError refusal{ipc::ErrorCode::storage_unavailable, "",
                                         "the gateway cannot store events right now; resend later", std::nullopt,
                                         std::nullopt};
        for (std::size_t i = 0; i < events.size() && i < acks.size(); ++i) {
            ipc::ProtocolError e = refusal;
            e.seq = events[i].seq;
            const std::string frame = ipc::encode(e);
            for (const auto& peer : acks[i].peers) {
                ++counters_.errors[static_cast<std::size_t>(ipc::ErrorCode::storage_unavailable)];
                outputs_.to_terminal(peer, frame);
            }
        }
        return;
    }
    ++counters_.commits;
    counters_.commit_seconds.observe(std::chrono::duration<double>(result.commit_time).count());
    counters_.largest_batch = std::max<std::uint64_t>(counters_.largest_batch, events.size());
    for (std::size_t i = 0; i < events.size() && i < acks.size() && i < result.outcomes.size(); ++i) {
        const bool stored = result.outcomes[i] == storage::AppendOutcome::stored;
        if (stored) ++counters_.stored_by_kind[events[i].kind];
        if (on_recorded_) boundary_.run("commit", [&] { on_recorded_(events[i], result.outcomes[i]); });
        // The first connection gets the event's own outcome; resends of it in the same batch are duplicates.
        for (std::size_t p = 0; p < acks[i].peers.size(); ++p) {
            const bool duplicate = !stored || p > 0;
            ++(duplicate ? counters_.events_duplicate : counters_.events_stored);
            outputs_.to_terminal(acks[i].peers[p], ipc::encode(ipc::Ack{events[i].seq, duplicate}));
        }
    }
}

// A decision is answered after the attempt to record it; if the ledger failed, the gate still gets its answer (the
// policy was applied) and the loss of the audit row is counted (and kept for a later commit by the caller).
void CommitHandler::answer_decisions(const LedgerWriteResult& result, SteadyTime now) {
    const auto& decisions = result.batch.records.decisions;
    const auto& replies = result.batch.decision_replies;
    for (std::size_t i = 0; i < decisions.size() && i < replies.size(); ++i) {
        ++(decisions[i].grant ? counters_.decisions_granted : counters_.decisions_denied);
        if (result.error) ++counters_.decisions_unrecorded;
        outputs_.to_terminal(replies[i].peer, replies[i].frame);
        counters_.decision_seconds.observe(std::chrono::duration<double>(now - replies[i].arrived).count());
    }
}

void CommitHandler::publish(const LedgerWriteResult& result, const StoredEvents& stored) {
    for (const auto& m : result.batch.console) {
        if (m.for_event && !stored.contains(*m.for_event)) continue;
        boundary_.run("commit", [&] { outputs_.to_consoles(m.topic, m.body); });
    }
    // Alerts count as raised once they went out (also when the ledger could not keep them yet).
    auto raised = [&](const storage::AlertRecord& a) {
        ++counters_.alerts_by_kind[a.kind];
        spdlog::warn("alert {} {} [{}] gate {}: {}", a.id, a.kind, a.severity, a.gate.empty() ? "-" : a.gate, a.text);
    };
    for (const auto& a : result.batch.records.alerts) raised(a);
    for (const auto& a : result.batch.records.event_alerts) {
        if (stored.contains(a.event)) raised(a.alert);
    }
}

}  // namespace gatehouse::daemon
