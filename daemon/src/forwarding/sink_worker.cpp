#include "sink_worker.hpp"

#include <random>

#include <spdlog/spdlog.h>

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
    std::lock_guard lock(mutex_);
    SinkSnapshot s = stats_;
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

void SinkWorker::run() {
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
        if (backoff_.failures() > 0) {
            spdlog::info("forwarding to {}: delivering again; draining the backlog", name_);
            pacer_.reset();
        }
        backoff_.reset();
        std::lock_guard lock(mutex_);
        stats_.connected = true;
        stats_.last_error.clear();
        // A short batch means the backlog is worked off: from now on records go as they come.
        if (records.size() < limit) stats_.draining = false;
    }
    std::lock_guard lock(mutex_);
    stats_.activity = SinkActivity::idle;
    finished_ = true;
    changed_.notify_all();
}

}  // namespace gatehouse::daemon::forwarding
