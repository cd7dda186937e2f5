#include "sink_worker.hpp"

#include <random>

#include <spdlog/spdlog.h>

#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon::forwarding {
namespace {

std::vector<storage::OutboxLane> lanes_of(const UpstreamSink& sink) {
    std::vector<storage::OutboxLane> lanes;
    for (const auto lane : {storage::OutboxLane::alert, storage::OutboxLane::record, storage::OutboxLane::routine}) {
        if (sink.accepts(lane)) lanes.push_back(lane);
    }
    return lanes;
}

std::uint64_t random_seed() {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

SinkWorker::SinkWorker(std::unique_ptr<UpstreamSink> sink, storage::Outbox outbox, SinkWorkerSettings settings)
    : sink_(std::move(sink)),
      outbox_(std::move(outbox)),
      settings_(settings),
      name_(sink_->name()),
      lanes_(lanes_of(*sink_)),
      backoff_(settings.retry_initial, settings.retry_max, random_seed()),
      pacer_(settings.max_drain_rate) {
    stats_.name = name_;
    stats_.lanes = lanes_;
    // A backlog may have built up while the daemon was down: start as if after an outage.
    stats_.draining = true;
}

void SinkWorker::request_stop() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
}

void SinkWorker::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    changed_.notify_all();
}

bool SinkWorker::wait_finished(Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return changed_.wait_until(lock, deadline, [&] { return finished_; });
}

SinkSnapshot SinkWorker::stats() const {
    std::string endpoint = sink_->endpoint();  // the sink's own lock, not under ours
    std::lock_guard lock(mutex_);
    SinkSnapshot s = stats_;
    s.endpoint = std::move(endpoint);
    if (retry_at_) {
        s.retry_in = std::max(std::chrono::milliseconds(0),
                              std::chrono::duration_cast<std::chrono::milliseconds>(*retry_at_ - Clock::now()));
    }
    return s;
}

bool SinkWorker::pause_until(Clock::time_point until, bool wakeable) {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, until, [&] { return stop_ || (wakeable && woken_); });
    woken_ = false;
    return !stop_;
}

void SinkWorker::back_off(const std::string& why, std::optional<std::chrono::milliseconds> at_least) {
    const bool first = backoff_.failures() == 0;
    auto wait = backoff_.next();
    // The upstream's own word (Retry-After, a chat robot's quiet period) replaces the computed wait.
    if (at_least) wait = *at_least;
    const auto until = Clock::now() + wait;
    {
        std::lock_guard lock(mutex_);
        stats_.activity = SinkActivity::backing_off;
        stats_.last_error = why;
        stats_.draining = true;
        if (!stats_.failing_since_ms) stats_.failing_since_ms = ipc::utc_now_ms();
        retry_at_ = until;
    }
    if (first) {
        spdlog::warn("forwarding to {}: {}; retrying in {} ms", name_, why, wait.count());
    } else {
        spdlog::debug("forwarding to {}: {} (failure {} in a row); retrying in {} ms", name_, why, backoff_.failures(),
                      wait.count());
    }
    pause_until(until, /*wakeable=*/false);
    std::lock_guard lock(mutex_);
    retry_at_.reset();
}

std::size_t SinkWorker::settle(const std::vector<storage::OutboxRecord>& records, const DeliveryReport& report) {
    std::vector<std::int64_t> delivered;
    std::size_t retry = 0;
    std::uint64_t dead = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        // A sink that answers for fewer records than it was given leaves the rest for a retry.
        const auto status = i < report.statuses.size() ? report.statuses[i] : DeliveryStatus::retry_later;
        switch (status) {
            case DeliveryStatus::delivered: delivered.push_back(records[i].id); break;
            case DeliveryStatus::retry_later: ++retry; break;
            case DeliveryStatus::rejected:
                spdlog::error("forwarding to {}: record {} refused for good, moved to the dead letters: {}", name_,
                              records[i].key, report.detail);
                outbox_.dead_letter(name_, records[i], report.detail);
                ++dead;
                break;
        }
    }
    outbox_.confirm(name_, delivered);
    std::lock_guard lock(mutex_);
    stats_.delivered += delivered.size();
    stats_.retries += retry;
    stats_.dead_letters += static_cast<std::int64_t>(dead);
    return retry;
}

bool SinkWorker::stop_requested() const {
    std::lock_guard lock(mutex_);
    return stop_;
}

bool SinkWorker::draining() const {
    std::lock_guard lock(mutex_);
    return stats_.draining;
}

void SinkWorker::set_activity(SinkActivity activity) {
    std::lock_guard lock(mutex_);
    stats_.activity = activity;
}

void SinkWorker::note_storage_error() {
    std::lock_guard lock(mutex_);
    ++stats_.storage_errors;
}

void SinkWorker::note_success() {
    if (backoff_.failures() > 0) {
        spdlog::info("forwarding to {}: delivering again; draining the backlog", name_);
        pacer_.reset();
    }
    backoff_.reset();
    std::lock_guard lock(mutex_);
    stats_.connected = true;
    stats_.last_error.clear();
    stats_.last_success_ms = ipc::utc_now_ms();
    stats_.failing_since_ms.reset();
}

void SinkWorker::run() {
    if (PipelinedSink* pipelined = sink_->pipelined()) {
        run_pipelined(*pipelined);
    } else {
        run_batches();
    }
    std::lock_guard lock(mutex_);
    stats_.activity = SinkActivity::idle;
    finished_ = true;
    changed_.notify_all();
}

SinkWorker::Failure SinkWorker::sink_failed(PipelinedSink& sink, InFlightRecords& in_flight, const std::exception& e) {
    // Sinks report upstream failures as outcomes; an exception is a bug, but one sink's bug must not end
    // forwarding for good: log it, and send what it held again after a backoff (same keys).
    spdlog::error("forwarding to {}: sink failed: {}", name_, e.what());
    try {
        sink.abandon();
    } catch (const std::exception& again) {
        spdlog::error("forwarding to {}: sink failed to let go of its records: {}", name_, again.what());
    }
    const std::size_t lost = in_flight.take_front(in_flight.size()).size();
    {
        std::lock_guard lock(mutex_);
        stats_.retries += lost;
    }
    return {std::string("sink failed: ") + e.what(), std::nullopt};
}

SinkWorker::Outcomes SinkWorker::take_outcomes(PipelinedSink& sink, InFlightRecords& in_flight, std::size_t count,
                                               Clock::time_point deadline) {
    Outcomes out;
    DeliveryReport report;
    try {
        report = sink.collect(count, deadline);
    } catch (const std::exception& e) {
        out.failure = sink_failed(sink, in_flight, e);
        return out;
    }
    if (report.statuses.empty()) return out;
    const auto records = in_flight.take_front(report.statuses.size());
    out.settled = records.size();
    std::size_t retry = 0;
    try {
        retry = settle(records, report);
    } catch (const std::exception& e) {
        // Not confirmed: the records are sent again (same keys) once the ledger answers.
        note_storage_error();
        out.failure = Failure{std::string("recording the delivery: ") + e.what(), std::nullopt};
        return out;
    }
    if (retry > 0) {
        {
            std::lock_guard lock(mutex_);
            stats_.connected = retry < records.size();
        }
        out.failure = Failure{report.detail.empty() ? "not confirmed" : report.detail, report.retry_after};
    }
    return out;
}

void SinkWorker::run_pipelined(PipelinedSink& sink) {
    const std::size_t batch = std::max<std::size_t>(1, sink_->max_batch());
    // Two batches in the sink's hands: while the upstream confirms one, the next is already queued behind
    // it, so the upstream's in-flight window never runs dry at a batch boundary.
    const std::size_t depth = 2 * batch;
    InFlightRecords in_flight;
    std::optional<Failure> failure;  // set: hand over nothing more, back off once nothing is in flight
    bool caught_up = false;          // the last read came back short: records now go as they come
    while (!stop_requested()) {
        const bool drain = draining();
        const bool paced = drain && pacer_.limited();
        const std::size_t limit = drain ? pacer_.batch_limit(batch) : batch;
        const auto now = Clock::now();
        const bool pacer_ready = !paced || now >= pacer_.ready_at();
        if (!failure && pacer_ready && in_flight.size() + limit <= depth) {
            std::vector<storage::OutboxRecord> records;
            try {
                records = outbox_.next(name_, lanes_, limit, in_flight.handed_over());
                caught_up = records.size() < limit;
            } catch (const std::exception& e) {
                note_storage_error();
                failure = Failure{std::string("reading the outbox: ") + e.what(), std::nullopt};
            }
            if (caught_up) {
                std::lock_guard lock(mutex_);
                stats_.draining = false;  // the backlog is worked off: from now on records go as they come
            }
            if (!records.empty()) {
                set_activity(SinkActivity::delivering);
                try {
                    sink.submit(records);
                    if (drain) pacer_.sent(records.size(), Clock::now());
                    in_flight.add(std::move(records));
                } catch (const std::exception& e) {
                    failure = sink_failed(sink, in_flight, e);
                }
            }
            // Room for one more whole batch (at start): hand it over before waiting for anything.
            if (!failure && !caught_up && in_flight.size() + limit <= depth && !paced) continue;
        }
        if (in_flight.empty()) {
            if (failure) {
                back_off(failure->why, failure->retry_after);
                failure.reset();
                in_flight.reread();
                continue;
            }
            if (!pacer_ready) {
                if (!pause_until(pacer_.ready_at(), /*wakeable=*/false)) break;
                continue;
            }
            set_activity(SinkActivity::idle);
            if (!pause_until(Clock::now() + settings_.idle_poll, /*wakeable=*/true)) break;
            continue;
        }
        // Wait for outcomes: after a failure or once caught up, for everything in flight; while draining, for
        // enough to make room for the next batch (or until the pacer allows it). Never longer than idle_poll
        // at a time, so that a stop is noticed.
        std::size_t want = in_flight.size();
        auto deadline = Clock::now() + settings_.idle_poll;
        if (!failure && !caught_up) {
            if (in_flight.size() + limit > depth) want = in_flight.size() + limit - depth;
            if (paced) deadline = std::min(deadline, std::max(Clock::now(), pacer_.ready_at()));
        }
        auto outcomes = take_outcomes(sink, in_flight, want, deadline);
        if (failure) continue;  // already on the way to a backoff: the first failure's reason stands
        if (outcomes.failure) {
            failure = std::move(outcomes.failure);
        } else if (outcomes.settled > 0) {
            note_success();
        }
    }
    // Stopping: confirm what is already settled; the rest stays in the outbox and goes again (same keys).
    if (!in_flight.empty()) (void)take_outcomes(sink, in_flight, 0, Clock::now());
}

void SinkWorker::run_batches() {
    while (true) {
        {
            std::lock_guard lock(mutex_);
            if (stop_) break;
        }
        bool draining = false;
        {
            std::lock_guard lock(mutex_);
            draining = stats_.draining;
        }
        if (draining && pacer_.limited() && Clock::now() < pacer_.ready_at()) {
            if (!pause_until(pacer_.ready_at(), /*wakeable=*/false)) break;
        }
        const std::size_t limit = draining ? pacer_.batch_limit(sink_->max_batch()) : sink_->max_batch();
        std::vector<storage::OutboxRecord> records;
        try {
            records = outbox_.next(name_, lanes_, limit);
        } catch (const std::exception& e) {
            {
                std::lock_guard lock(mutex_);
                ++stats_.storage_errors;
            }
            back_off(std::string("reading the outbox: ") + e.what(), std::nullopt);
            continue;
        }
        if (records.empty()) {
            {
                std::lock_guard lock(mutex_);
                stats_.activity = SinkActivity::idle;
                stats_.draining = false;
            }
            if (!pause_until(Clock::now() + settings_.idle_poll, /*wakeable=*/true)) break;
            continue;
        }
        {
            std::lock_guard lock(mutex_);
            stats_.activity = SinkActivity::delivering;
        }
        DeliveryReport report;
        try {
            report = sink_->deliver(records);
        } catch (const std::exception& e) {
            // Sinks report upstream failures as statuses; an exception is a bug, but one sink's bug must not
            // end forwarding for good: log it and treat the batch as not delivered.
            spdlog::error("forwarding to {}: sink failed: {}", name_, e.what());
            report.statuses.assign(records.size(), DeliveryStatus::retry_later);
            report.detail = std::string("sink failed: ") + e.what();
        }
        std::size_t retry = 0;
        try {
            retry = settle(records, report);
        } catch (const std::exception& e) {
            // Not confirmed: the records are sent again (same keys) once the ledger answers.
            {
                std::lock_guard lock(mutex_);
                ++stats_.storage_errors;
            }
            back_off(std::string("recording the delivery: ") + e.what(), std::nullopt);
            continue;
        }
        const auto now = Clock::now();
        if (draining) pacer_.sent(records.size(), now);
        if (retry > 0) {
            {
                std::lock_guard lock(mutex_);
                stats_.connected = retry < records.size();
            }
            back_off(report.detail.empty() ? "not confirmed" : report.detail, report.retry_after);
            continue;
        }
        note_success();
        // A short batch means the backlog is worked off: from now on records go as they come.
        if (records.size() < limit) {
            std::lock_guard lock(mutex_);
            stats_.draining = false;
        }
    }
}

}  // namespace gatehouse::daemon::forwarding
