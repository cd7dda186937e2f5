#include "gatehouse/daemon/forwarding/forwarder.hpp"

#include <set>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "gatehouse/daemon/forwarding/sink_factory.hpp"
#include "gatehouse/storage/outbox.hpp"
#include "outbox_housekeeper.hpp"
#include "sink_worker.hpp"

namespace gatehouse::daemon::forwarding {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// How long the destructor waits for the sink threads before leaving a blocked one to finish alone.
constexpr auto kStopGrace = 2500ms;

std::vector<std::unique_ptr<UpstreamSink>> make_sinks(const ForwardingConfig& config, const SinkIdentity& identity) {
    std::vector<std::unique_ptr<UpstreamSink>> sinks;
    for (const auto& sink : config.sinks) sinks.push_back(make_sink(sink, identity));
    return sinks;
}

storage::OutboxOptions outbox_options(const ForwardingConfig& config, const std::filesystem::path& ledger_path) {
    storage::OutboxOptions o;
    o.path = ledger_path;
    o.limits = config.limits;
    return o;
}

std::optional<std::chrono::milliseconds> age_of(std::optional<std::int64_t> created_ms, std::int64_t now_ms) {
    if (!created_ms) return std::nullopt;
    return std::chrono::milliseconds(std::max<std::int64_t>(0, now_ms - *created_ms));
}

}  // namespace

Forwarder::Forwarder(const ForwardingConfig& config, const std::filesystem::path& ledger_path,
                     const SinkIdentity& identity) {
    start(config, ledger_path, make_sinks(config, identity));
}

Forwarder::Forwarder(const ForwardingConfig& config, const std::filesystem::path& ledger_path,
                     std::vector<std::unique_ptr<UpstreamSink>> sinks) {
    start(config, ledger_path, std::move(sinks));
}

void Forwarder::start(const ForwardingConfig& config, const std::filesystem::path& ledger_path,
                      std::vector<std::unique_ptr<UpstreamSink>> sinks) {
    const auto options = outbox_options(config, ledger_path);
    SinkWorkerSettings settings;
    settings.retry_initial = config.retry_initial;
    settings.retry_max = config.retry_max;
    settings.max_drain_rate = config.max_drain_rate;

    std::set<std::string> names;
    std::vector<storage::OutboxSink> registered;
    for (auto& sink : sinks) {
        if (!sink) throw std::invalid_argument("forwarder: null sink");
        if (!names.insert(sink->name()).second) throw std::invalid_argument("forwarder: two sinks named " + sink->name());
        auto worker = std::make_shared<SinkWorker>(std::move(sink), storage::Outbox(options), settings);
        registered.push_back({worker->name(), worker->lanes()});
        workers_.push_back(std::move(worker));
    }
    storage::Outbox housekeeping(options);
    housekeeping.register_sinks(registered);
    housekeeper_ = std::make_unique<OutboxHousekeeper>(std::move(housekeeping),
                                                       std::vector<std::string>(names.begin(), names.end()));
    try {
        for (const auto& worker : workers_) {
            // The thread holds the worker too, so that one left blocked at shutdown finishes safely.
            worker_threads_.emplace_back([worker] { worker->run(); });
        }
    } catch (...) {
        stop();
        throw;
    }
    spdlog::info("forwarder: {} sink(s) on {}", workers_.size(), ledger_path.string());
}

Forwarder::~Forwarder() { stop(); }

void Forwarder::stop() noexcept {
    for (const auto& worker : workers_) worker->request_stop();
    const auto deadline = Clock::now() + kStopGrace;
    for (std::size_t i = 0; i < worker_threads_.size(); ++i) {
        if (!worker_threads_[i].joinable()) continue;
        if (workers_[i]->wait_finished(deadline)) {
            worker_threads_[i].join();
        } else {
            spdlog::warn("forwarder: sink {} is still waiting for its upstream; leaving it to finish on its own "
                         "(its records stay in the outbox)",
                         workers_[i]->name());
            worker_threads_[i].detach();
        }
    }
    worker_threads_.clear();
    housekeeper_.reset();
}

void Forwarder::wake() {
    for (const auto& worker : workers_) worker->wake();
}

ForwarderSnapshot Forwarder::snapshot() const {
    ForwarderSnapshot s;
    const OutboxFigures figures = housekeeper_->figures();
    const auto& limits = housekeeper_->limits();
    s.outbox_read = figures.read;
    s.storage_error = figures.error;
    if (figures.read) {
        s.outbox_read_age = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - figures.read_at);
    }
    const std::int64_t now_ms = figures.read_at_utc_ms;
    for (std::size_t i = 0; i < s.lanes.size(); ++i) {
        auto& lane = s.lanes[i];
        lane.lane = static_cast<storage::OutboxLane>(i);
        lane.max_bytes = limits.of(lane.lane).max_bytes;
    }
    for (const auto& b : figures.lanes) {
        auto& lane = s.lanes[static_cast<std::size_t>(b.lane)];
        lane.records = b.records;
        lane.bytes = b.bytes;
        lane.oldest_age = age_of(b.oldest_created_ms, now_ms);
        lane.high = b.high;
        lane.full = b.full;
        if (b.high) {
            s.buffer_high = true;
            s.high_lanes.push_back(b.lane);
        }
    }
    for (const auto& c : figures.counters) {
        auto& lane = s.lanes[static_cast<std::size_t>(c.lane)];
        lane.dropped = c.dropped;
        lane.dropped_bytes = c.dropped_bytes;
        lane.rejected = c.rejected;
        lane.expired = c.expired;
        s.dropped += c.dropped;
        s.rejected += c.rejected;
        s.expired += c.expired;
    }
    for (const auto& worker : workers_) {
        SinkSnapshot sink = worker->stats();
        if (const auto it = figures.sinks.find(sink.name); it != figures.sinks.end()) {
            sink.unconfirmed = it->second.records;
            sink.unconfirmed_bytes = it->second.bytes;
            sink.oldest_age = age_of(it->second.oldest_created_ms, now_ms);
            sink.delivered_total = it->second.delivered;
            sink.dead_letters = it->second.dead_letters;
        }
        s.sinks.push_back(std::move(sink));
    }
    return s;
}

}  // namespace gatehouse::daemon::forwarding
