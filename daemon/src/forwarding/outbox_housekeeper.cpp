#include "outbox_housekeeper.hpp"

#include <spdlog/spdlog.h>

namespace gatehouse::daemon::forwarding {
namespace {

using namespace std::chrono_literals;

constexpr auto kPurgeInterval = 100ms;
constexpr auto kRefreshInterval = 500ms;
constexpr auto kExpireInterval = 5s;

std::int64_t utc_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

OutboxHousekeeper::OutboxHousekeeper(storage::Outbox outbox, std::vector<std::string> sinks)
    : outbox_(std::move(outbox)), sinks_(std::move(sinks)), limits_(outbox_.limits()) {
    refresh();  // snapshot() has figures from the start
    thread_ = std::thread([this] { run(); });
}

OutboxHousekeeper::~OutboxHousekeeper() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
}

OutboxFigures OutboxHousekeeper::figures() const {
    std::lock_guard lock(mutex_);
    return figures_;
}

void OutboxHousekeeper::refresh() {
    OutboxFigures figures;
    try {
        figures.lanes = outbox_.backlog();
        figures.counters = outbox_.counters();
        for (const auto& sink : sinks_) figures.sinks[sink] = outbox_.sink_backlog(sink);
        figures.read = true;
        figures.read_at = Clock::now();
        figures.read_at_utc_ms = utc_now_ms();
    } catch (const std::exception& e) {
        spdlog::warn("forwarder: cannot read the outbox figures: {}", e.what());
        std::lock_guard lock(mutex_);
        figures_.error = e.what();  // keep the last good figures, say why they are old
        return;
    }
    std::lock_guard lock(mutex_);
    figures_ = std::move(figures);
}

void OutboxHousekeeper::run() {
    auto next_refresh = Clock::now() + kRefreshInterval;
    auto next_expire = Clock::now();
    std::string last_error;
    while (true) {
        {
            std::unique_lock lock(mutex_);
            if (changed_.wait_for(lock, kPurgeInterval, [&] { return stop_; })) return;
        }
        try {
            outbox_.purge_done();
            if (Clock::now() >= next_expire) {
                next_expire = Clock::now() + kExpireInterval;
                if (const auto expired = outbox_.expire(utc_now_ms()); expired > 0) {
                    spdlog::warn("forwarder: {} outbox records expired unsent (time-to-live)", expired);
                }
            }
            last_error.clear();
        } catch (const std::exception& e) {
            // The ledger was busy or failing: try again at the next round, say so once per kind of failure.
            if (last_error != e.what()) spdlog::warn("forwarder: outbox housekeeping failed: {}", e.what());
            last_error = e.what();
        }
        if (Clock::now() >= next_refresh) {
            next_refresh = Clock::now() + kRefreshInterval;
            refresh();
        }
    }
}

}  // namespace gatehouse::daemon::forwarding
