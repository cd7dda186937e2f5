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

#include "gatehouse/storage/ledger.hpp"

namespace gatehouse::daemon {

/// Work for one transaction: events and decisions to append (with, in parallel, the connection each is to be acked on,
/// which the writer only carries back) and terminal hellos to record.
struct LedgerWriteBatch {
    std::vector<storage::EventRecord> events;
    std::vector<std::string> peers;
    std::vector<storage::TerminalRecord> hellos;
    /// Access decisions to record, with (in parallel) the connection and the reply to send once recorded.
    std::vector<storage::DecisionRecord> decisions;
    std::vector<std::string> decision_peers;
    std::vector<std::string> decision_replies;

    bool empty() const { return events.empty() && hellos.empty() && decisions.empty(); }
};

/// Outcome of a batch: per-event outcomes on success, or the failure (nothing of the events was stored).
struct LedgerWriteResult {
    LedgerWriteBatch batch;
    std::vector<storage::AppendOutcome> outcomes;
    std::optional<std::string> error;
    std::optional<storage::LedgerFault> fault;
    std::chrono::microseconds commit_time{0};
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

private:
    void run();

    storage::Ledger ledger_;
    zmq::socket_t reactor_side_;
    zmq::socket_t writer_side_;
    std::mutex mutex_;
    std::condition_variable work_ready_;
    std::optional<LedgerWriteBatch> job_;
    std::optional<LedgerWriteResult> result_;
    bool stopping_ = false;
    bool busy_ = false;
    std::thread thread_;
};

}  // namespace gatehouse::daemon
