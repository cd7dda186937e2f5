#pragma once
// The third stage of the gateway's pipeline: a finished group commit becomes acks, decisions, control replies and
// console messages, in that order. No socket of its own: it writes to CommitOutputs (the gateway's sockets, or a
// test's recorder).
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gatehouse/daemon/ingest_counters.hpp"
#include "gatehouse/daemon/ledger_writer.hpp"
#include "gatehouse/daemon/message_boundary.hpp"

namespace gatehouse::daemon {

/// Where a commit's results go.
class CommitOutputs {
public:
    virtual ~CommitOutputs() = default;
    virtual void to_terminal(const std::string& peer, const std::string& frame) = 0;
    virtual void to_control(const std::string& routing_id, const std::string& body) = 0;
    virtual void to_consoles(const std::string& topic, const std::string& body) = 0;
};

/// What the gateway does next because of a commit.
struct CommitReport {
    bool committed = false;
    std::optional<std::string> error;  ///< Why the commit failed.
    std::optional<storage::LedgerFault> fault;
    /// Alerts raised by events that were not newly stored (resends, or a failed commit): they never reached the
    /// ledger and are dropped from the AlertBook (a resend raises them again when it is stored).
    std::vector<std::int64_t> alerts_not_recorded;
    /// Of a failed commit: the decisions, screenings, alerts and alert actions (with their outbox entries) to
    /// commit later. Events are not kept: their terminals resend them.
    storage::LedgerBatch to_retry;
    std::int64_t outbox_rejected = 0;  ///< Alerts the outbox's alert lane refused (at its hard cap).
    bool outbox_written = false;       ///< Something went into the outbox: the forwarder may look now.
};

/// Which events of a finished commit were newly stored (none when it failed).
class StoredEvents {
public:
    static StoredEvents of(const LedgerWriteResult& result);
    bool contains(const storage::EventKey& key) const { return all_ || keys_.count(key) > 0; }

private:
    bool all_ = false;
    std::set<storage::EventKey> keys_;
};

/// Answers a finished commit. First what the commit promised (acks; or, when it failed, storage_unavailable for
/// every event), the decisions (answered whether or not they could be recorded) and the deferred control replies;
/// only then what follows from it (the embedder's hook, console messages), each step inside the boundary, so that a
/// failure after the commit never takes back an ack. Console messages of an event that was a resend are not
/// published; when the commit failed only those not about an event are (a guard must see an alert even when the
/// ledger cannot keep it yet).
/// Thread-safety: none; owned by the reactor.
class CommitHandler {
public:
    using RecordedHook = std::function<void(const storage::EventRecord&, storage::AppendOutcome)>;

    CommitHandler(CommitOutputs& outputs, IngestCounters& counters, MessageBoundary& boundary)
        : outputs_(outputs), counters_(counters), boundary_(boundary) {}

    /// Called for each event after its commit, before its ack (the demo prints it; tests observe commits).
    void set_on_recorded(RecordedHook hook) { on_recorded_ = std::move(hook); }

    CommitReport finish(LedgerWriteResult& result, SteadyTime now);

private:
    void answer_events(const LedgerWriteResult& result);
    void answer_decisions(const LedgerWriteResult& result, SteadyTime now);
    void publish(const LedgerWriteResult& result, const StoredEvents& stored);

    CommitOutputs& outputs_;
    IngestCounters& counters_;
    MessageBoundary& boundary_;
    RecordedHook on_recorded_;
};

}  // namespace gatehouse::daemon
