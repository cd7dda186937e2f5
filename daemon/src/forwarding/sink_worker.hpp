#pragma once
// One sink's delivery loop: outbox → sink → confirm / dead letter / back off.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gatehouse/daemon/forwarding/forwarder.hpp"
#include "gatehouse/daemon/forwarding/upstream_sink.hpp"
#include "gatehouse/storage/outbox.hpp"
#include "in_flight_records.hpp"
#include "retry_backoff.hpp"

namespace gatehouse::daemon::forwarding {

/// Pacing of one sink's loop.
struct SinkWorkerSettings {
    std::chrono::milliseconds retry_initial{1000};
    std::chrono::milliseconds retry_max{300000};
    double max_drain_rate = 500;                    ///< records/s while draining a backlog; 0: unlimited.
    std::chrono::milliseconds idle_poll{100};       ///< How often an idle sink looks for new records.
};

/// Runs one sink on the thread that calls run(): fetches the next batch of the lanes the sink takes (alerts
/// first), delivers it, confirms what was delivered, dead-letters what was refused, and backs off when
/// anything has to be retried. It is "draining" after a failure (and at start, when a backlog may be
/// waiting) until a fetch comes back short of a full batch; meanwhile it is paced at max_drain_rate.
///
/// A sink with a pipelined side (MQTT) is kept busy instead of being called batch by batch: up to two
/// batches are in its hands, the next one handed over as soon as there is room for it, and records are
/// confirmed in order as their outcomes come back. After a failure nothing more is handed over until every
/// record in flight is settled; then it backs off and reads again from what is confirmed.
class SinkWorker {
public:
    SinkWorker(std::unique_ptr<UpstreamSink> sink, storage::Outbox outbox, SinkWorkerSettings settings);

    const std::string& name() const { return name_; }
    const std::vector<storage::OutboxLane>& lanes() const { return lanes_; }

    /// The loop; returns soon after request_stop(): at once, or within idle_poll while a pipelined sink's
    /// outcomes are awaited, unless blocked inside a sink call (deliver(), or submit() waiting to connect).
    void run();
    void request_stop();
    void wake();
    /// Waits until run() has returned, or `deadline`; true when it has.
    bool wait_finished(std::chrono::steady_clock::time_point deadline);
    /// This run's figures and state (backlog fields are left to the housekeeper).
    SinkSnapshot stats() const;

private:
    using Clock = std::chrono::steady_clock;

    /// Why a pipelined sink stopped taking records, and the upstream's wish for the wait after.
    struct Failure {
        std::string why;
        std::optional<std::chrono::milliseconds> retry_after;
    };

    /// One deliver() per batch: webhooks, chat robots.
    void run_batches();
    /// submit / collect with records in flight across batches: MQTT.
    void run_pipelined(PipelinedSink& sink);
    /// What take_outcomes() settled.
    struct Outcomes {
        std::size_t settled = 0;          ///< Records whose outcome came back.
        std::optional<Failure> failure;   ///< Set when any of them is to be retried (or could not be recorded).
    };
    /// Takes back what `sink` settled (at least `count`, or until `deadline`) and settles it in the outbox.
    Outcomes take_outcomes(PipelinedSink& sink, InFlightRecords& in_flight, std::size_t count,
                           Clock::time_point deadline);
    /// A sink's bug (an exception): forget what it holds so no outcome lands on the wrong record.
    Failure sink_failed(PipelinedSink& sink, InFlightRecords& in_flight, const std::exception& e);
    bool stop_requested() const;
    bool draining() const;
    void set_activity(SinkActivity activity);
    void note_storage_error();
    /// Everything of a delivery was confirmed: the upstream is fine again.
    void note_success();

    /// Sleeps until `until`, a wake() (when `wakeable`) or a stop; false when stopping.
    bool pause_until(Clock::time_point until, bool wakeable);
    /// Settles one delivery report; returns how many records must be retried.
    std::size_t settle(const std::vector<storage::OutboxRecord>& records, const DeliveryReport& report);
    void back_off(const std::string& why, std::optional<std::chrono::milliseconds> at_least);

    std::unique_ptr<UpstreamSink> sink_;
    storage::Outbox outbox_;
    const SinkWorkerSettings settings_;
    const std::string name_;
    const std::vector<storage::OutboxLane> lanes_;
    RetryBackoff backoff_;  // loop thread only
    DrainPacer pacer_;      // loop thread only

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool stop_ = false;
    bool woken_ = false;
    bool finished_ = false;
    SinkSnapshot stats_;
    std::optional<Clock::time_point> retry_at_;
};

}  // namespace gatehouse::daemon::forwarding
