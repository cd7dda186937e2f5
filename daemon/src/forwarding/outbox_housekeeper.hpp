#pragma once
// The forwarder's background chores on the outbox: delete what every sink is done with, expire what is
// past its time-to-live, and keep the figures for snapshot() fresh.
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gatehouse/daemon/forwarding/forwarder.hpp"
#include "gatehouse/storage/outbox.hpp"

namespace gatehouse::daemon::forwarding {

/// The outbox as last read: per lane, per sink, counters.
struct OutboxFigures {
    bool read = false;
    std::chrono::steady_clock::time_point read_at{};
    std::int64_t read_at_utc_ms = 0;
    std::vector<storage::LaneBacklog> lanes;
    std::vector<storage::LaneCounters> counters;
    std::map<std::string, storage::SinkBacklog> sinks;
    std::string error;
};

/// Runs on a thread of its own with its own connection to the ledger. Purges often (short transactions,
/// so the ledger writer never waits long), refreshes the figures about twice a second.
class OutboxHousekeeper {
public:
    OutboxHousekeeper(storage::Outbox outbox, std::vector<std::string> sinks);
    ~OutboxHousekeeper();  ///< Stops and joins the thread.
    OutboxHousekeeper(const OutboxHousekeeper&) = delete;
    OutboxHousekeeper& operator=(const OutboxHousekeeper&) = delete;

    OutboxFigures figures() const;
    const storage::OutboxLimits& limits() const { return limits_; }

private:
    using Clock = std::chrono::steady_clock;
    void run();
    void refresh();

    storage::Outbox outbox_;
    const std::vector<std::string> sinks_;
    const storage::OutboxLimits limits_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool stop_ = false;
    OutboxFigures figures_;
    std::thread thread_;  // last: started once everything it uses exists
};

}  // namespace gatehouse::daemon::forwarding
