#pragma once
// The second stage of the gateway's pipeline: admitted messages and the records they cause become the next group
// commit. Every record is made here once: its ledger row, its console message and its outbox entry (encoded once,
// with the person's pseudonym in the upstream copy when pseudonymisation is on).
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gatehouse/daemon/ledger_writer.hpp"
#include "gatehouse/daemon/pseudonymiser.hpp"
#include "gatehouse/ipc/terminal_messages.hpp"

namespace gatehouse::daemon {

/// How records go upstream: whether the outbox gets them at all (forwarding on), and under which name a person goes.
struct UpstreamPolicy {
    bool forward = false;
    const Pseudonymiser* pseudonymiser = nullptr;  ///< Set when privacy.pseudonymise_upstream; owned by the gateway.
};

/// An alert numbered by the AlertBook, with what the upstream copy needs besides it.
struct RaisedAlert {
    storage::AlertRecord alert;
    std::optional<std::string> upstream_text;  ///< The text naming the person by pseudonym.
    std::optional<std::int64_t> screening;     ///< The screening it is about (for `gatehouse erase`).
};

/// The open batch. Events are keyed by terminal and seq: a resend of an event already in the batch waits for the
/// same commit and is acked (as a duplicate) with it, and what an event causes (its outbox entry, its alerts, its
/// console messages) names the event by key, so the ledger writes it only with a newly stored event.
/// Thread-safety: none; owned by the reactor.
class BatchBuilder {
public:
    BatchBuilder(std::size_t max_batch, std::chrono::microseconds commit_window);

    void set_limits(std::size_t max_batch, std::chrono::microseconds commit_window);
    void set_upstream(UpstreamPolicy upstream) { upstream_ = upstream; }
    /// Whether consoles subscribe to events; their console messages are made only then (events are the bulk).
    void set_publish_events(bool publish) { publish_events_ = publish; }

    /// Whether the event with this key is in the open batch already.
    bool holds(const storage::EventKey& key) const { return index_.count(key) > 0; }
    /// A resend of an event in the open batch: `peer` gets the same commit's ack (duplicate).
    void add_resend(const storage::EventKey& key, const std::string& peer);
    /// A new event (precondition: !holds(its key)), with the alerts it raises.
    void add_event(const ipc::Event& event, const std::string& gate, std::int64_t received_ms, const std::string& peer,
                   std::vector<RaisedAlert> alerts);
    void add_decision(storage::DecisionRecord decision, DecisionReply reply);
    void add_screening(storage::ScreeningRecord screening);
    void add_alert(RaisedAlert alert);
    /// An operator's or the gateway's action on `alert`.
    void add_alert_action(storage::AlertAction action, const storage::AlertRecord& alert);
    void add_hello(storage::TerminalRecord hello);
    void add_control_reply(PendingControlReply reply);

    bool empty() const { return batch_.empty(); }
    std::size_t events() const { return batch_.records.events.size(); }
    /// No more events fit: terminals are not read until the batch has gone.
    bool full() const { return events() >= max_batch_; }
    /// When the open batch's commit window ends (it began with its first record).
    SteadyTime deadline() const { return deadline_; }
    /// Whether the batch should go to the writer now: full, or its commit window has passed.
    bool due(SteadyTime now) const { return !empty() && (full() || now >= deadline_); }
    /// Hands the batch over and opens the next one.
    LedgerWriteBatch take();

private:
    void opened();
    void forward(storage::OutboxLane lane, std::string kind, const std::string& gate, std::int64_t at_ms,
                 std::string body, std::optional<std::string> person, std::optional<std::int64_t> screening,
                 std::optional<storage::EventKey> for_event = std::nullopt);
    /// The alert's console message and outbox entry; `for_event` when an event raised it.
    void release(const RaisedAlert& raised, const std::optional<storage::EventKey>& for_event);

    std::size_t max_batch_;
    std::chrono::microseconds commit_window_;
    UpstreamPolicy upstream_;
    bool publish_events_ = false;
    LedgerWriteBatch batch_;
    std::map<storage::EventKey, std::size_t> index_;  ///< Event of the open batch → its position.
    SteadyTime deadline_{};
};

}  // namespace gatehouse::daemon
