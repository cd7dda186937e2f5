#pragma once
// The ledger's only writer: commits batches on its own thread so the reactor keeps serving while fsync runs.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "gatehouse/daemon/steady_time.hpp"
#include "gatehouse/storage/ledger.hpp"

namespace gatehouse::daemon {

/// A reply to a control client that must wait for the commit (an alert acknowledged or closed).
struct PendingControlReply {
    std::string routing_id;
    std::string body;
};

/// Who waits for the ack of one event of the batch: the connection it came on, then those of resends of the same
/// event (same terminal and seq) that arrived while it was pending.
struct EventAcks {
    std::vector<std::string> peers;
};

/// The answer to one access request, sent once its decision's commit returned.
struct DecisionReply {
    std::string peer;
    std::string frame;  ///< The encoded `decision` message.
    SteadyTime arrived;  ///< When the request came in.
};

/// A console message, encoded when its record was made and published once the commit returned. One that exists
/// only because of an event (the event itself, an alert it raised) names it, and is published only when that event
/// was newly stored.
struct ConsoleMessage {
    std::string topic;
    std::string body;
    std::optional<storage::EventKey> for_event;
};

/// Work for one transaction: the rows to append, plus what the reactor sends once they are committed (acks per
/// event, decision replies, control replies, console messages), which the writer only carries back, and terminal
/// hellos to record.
struct LedgerWriteBatch {
    storage::LedgerBatch records;
    /// Records of earlier batches the ledger refused (decisions, screenings, alerts; never events, which their
    /// terminals resend): committed first, in a transaction of their own, so that they are not lost to a full disk.
    storage::LedgerBatch deferred;
    std::vector<EventAcks> acks;  ///< One per event of records.events, in the same order.
    std::vector<storage::TerminalRecord> hellos;
    std::vector<DecisionReply> decision_replies;  ///< One per decision of records.decisions, in the same order.
    std::vector<PendingControlReply> control_replies;
    std::vector<ConsoleMessage> console;

    bool empty() const { return records.empty() && deferred.empty() && hellos.empty() && control_replies.empty(); }
};

/// Outcome of a batch: per-event outcomes on success, or the failure (nothing of the events was stored).
struct LedgerWriteResult {
    LedgerWriteBatch batch;
    std::vector<storage::AppendOutcome> outcomes;
    std::optional<std::string> error;
    bool deferred_recorded = false;  ///< The batch's deferred records were committed (also when `records` then failed).
    std::optional<storage::LedgerFault> fault;
    std::chrono::microseconds commit_time{0};
    storage::OutboxAppendReport outbox;  ///< What the outbox part of the commit did (caps, rejections).
};

/// Owns the writable Ledger and a thread that commits one batch at a time, in submission order.
/// Thread-safety: submit(), busy(), done_signal() and take_result() belong to one thread (the reactor);
/// the writer thread touches only the ledger and the hand-over slots, under a mutex.
class LedgerWriter {
public:
    LedgerWriter(storage::Ledger ledger, zmq::context_t& context);
    /// Finishes the batch in flight (its result is dropped if not taken), then stops the thread.
    ~LedgerWriter();
    LedgerWriter(const LedgerWriter&) = delete;
    LedgerWriter& operator=(const LedgerWriter&) = delete;

    /// True from submit() until its result has been taken.
    bool busy() const { return busy_; }
    /// Hands a batch over. Precondition: !busy().
    void submit(LedgerWriteBatch&& batch);
    /// Readable (ZMQ_POLLIN) when the submitted batch is done.
    zmq::socket_t& done_signal() { return reactor_side_; }
    /// The finished batch's result; nullopt if it is not done yet. Never blocks.
    std::optional<LedgerWriteResult> take_result();
    /// Blocks until the submitted batch is done (shutdown path).
    LedgerWriteResult wait_result();
    /// New outbox limits (configuration reload): the writer thread applies them before its next commit.
    void set_outbox_limits(const storage::OutboxLimits& limits);

private:
    void run();

    storage::Ledger ledger_;
    zmq::socket_t reactor_side_;
    zmq::socket_t writer_side_;
    std::mutex mutex_;
    std::condition_variable work_ready_;
    std::optional<LedgerWriteBatch> job_;
    std::optional<LedgerWriteResult> result_;
    std::optional<storage::OutboxLimits> new_outbox_limits_;
    bool stopping_ = false;
    bool busy_ = false;
    std::thread thread_;
};

}  // namespace gatehouse::daemon
