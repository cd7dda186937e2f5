#pragma once
// The forwarder: drains the ledger's outbox to the configured upstream sinks, one thread per sink.
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gatehouse/daemon/forwarding/forwarding_config.hpp"
#include "gatehouse/daemon/forwarding/sink_config.hpp"
#include "gatehouse/daemon/forwarding/upstream_sink.hpp"
#include "gatehouse/storage/outbox_record.hpp"

namespace gatehouse::daemon::forwarding {

class SinkWorker;
class OutboxHousekeeper;

/// One outbox lane as the forwarder last saw it.
struct LaneSnapshot {
    storage::OutboxLane lane = storage::OutboxLane::routine;
    std::int64_t records = 0;
    std::int64_t bytes = 0;
    std::optional<std::chrono::milliseconds> oldest_age;  ///< Age of the oldest record; unset when empty.
    std::int64_t max_bytes = 0;                           ///< The lane's cap.
    bool high = false;  ///< At or above buffer_high_percent of max_bytes.
    bool full = false;  ///< At max_bytes: record/routine drop their oldest, alerts go on up to the hard cap.
    // Persistent counters (since the ledger was created).
    std::int64_t dropped = 0;
    std::int64_t dropped_bytes = 0;
    std::int64_t rejected = 0;
    std::int64_t expired = 0;
};

/// What a sink's thread is doing.
enum class SinkActivity { idle, delivering, backing_off };

/// One sink as the forwarder last saw it.
struct SinkSnapshot {
    std::string name;
    std::vector<storage::OutboxLane> lanes;
    // Backlog: records of its lanes it has not confirmed (nor dead-lettered) yet.
    std::int64_t unconfirmed = 0;
    std::int64_t unconfirmed_bytes = 0;  ///< Estimated from the lanes' average record size.
    std::optional<std::chrono::milliseconds> oldest_age;
    // Since this forwarder started.
    std::uint64_t delivered = 0;
    std::uint64_t retries = 0;  ///< Records handed over again after a retry_later.
    std::uint64_t storage_errors = 0;
    // Persistent (since the ledger was created).
    std::int64_t delivered_total = 0;
    std::int64_t dead_letters = 0;
    std::string last_error;  ///< What the upstream (or the ledger) said at the last failure; empty after success.
    /// The last delivery attempt reached the upstream and was confirmed (MQTT connected, webhook answering).
    bool connected = false;
    /// The server the sink is on ("host:port" of the MQTT cluster node); empty for a sink with one fixed upstream.
    std::string endpoint;
    SinkActivity activity = SinkActivity::idle;
    bool draining = false;  ///< Working through a backlog after an outage, paced at max_drain_rate.
    std::optional<std::chrono::milliseconds> retry_in;  ///< While backing off: time until the next attempt.
    /// UTC ms of the last delivery the upstream confirmed (since this forwarder started); unset before the first.
    std::optional<std::int64_t> last_success_ms;
    /// UTC ms of the first failure since the last success (or since start); unset while the sink delivers.
    /// The gateway raises `upstream_down` once it is older than forwarding.upstream_down_after_s.
    std::optional<std::int64_t> failing_since_ms;
};

/// Everything `gatehouse status`, the metrics and the gateway's buffer_high / outbox-rejected alerts need.
struct ForwarderSnapshot {
    /// The outbox was read at least once (lane and backlog figures are meaningful).
    bool outbox_read = false;
    std::chrono::milliseconds outbox_read_age{0};  ///< How old the lane and backlog figures are.
    std::array<LaneSnapshot, storage::kOutboxLaneCount> lanes{};
    std::vector<SinkSnapshot> sinks;
    // Totals over the lanes of the persistent counters.
    std::int64_t dropped = 0;
    std::int64_t rejected = 0;
    std::int64_t expired = 0;
    bool buffer_high = false;                     ///< Some lane is high.
    std::vector<storage::OutboxLane> high_lanes;  ///< Which.
    std::string storage_error;                    ///< The last error reading the outbox; empty when fine.
};

/// Drains the outbox of the ledger at `ledger_path` to every configured sink. Each sink has a thread of its
/// own (so a slow or failing chat robot never delays MQTT or the webhook) and its own connection to the
/// ledger; it takes the lanes it accepts in priority order, oldest first, confirms what the upstream
/// confirmed, dead-letters what it refused for good and backs off (exponential with jitter from
/// retry_initial to retry_max, at least the upstream's retry_after) on anything else. After an outage the
/// backlog drains at most max_drain_rate records/s. A housekeeping thread deletes rows every sink is done
/// with, expires records past their time-to-live and refreshes the figures snapshot() returns.
///
/// The ledger must exist (the gateway's Ledger creates and migrates it first).
class Forwarder {
public:
    /// Builds the sinks from `config.sinks`. Throws storage::LedgerError when the outbox cannot be opened and
    /// std::runtime_error when a sink cannot be set up; an unreachable upstream is not an error.
    Forwarder(const ForwardingConfig& config, const std::filesystem::path& ledger_path, const SinkIdentity& identity);
    /// With ready-made sinks instead of `config.sinks` (tests, benchmarks); sink names must be unique.
    Forwarder(const ForwardingConfig& config, const std::filesystem::path& ledger_path,
              std::vector<std::unique_ptr<UpstreamSink>> sinks);
    /// Stops and joins the threads within about 2.5 s. A sink still blocked in an upstream call after that
    /// (a hanging HTTP server, until its timeout) is left to finish on its own; its records stay unconfirmed
    /// and are sent again by the next forwarder, with the same keys.
    ~Forwarder();
    Forwarder(const Forwarder&) = delete;
    Forwarder& operator=(const Forwarder&) = delete;

    /// The latest figures; thread-safe and cheap (reads what the threads last stored).
    ForwarderSnapshot snapshot() const;
    /// New records were committed: sinks look at once instead of at their next poll. Thread-safe.
    void wake();

private:
    void start(const ForwardingConfig& config, const std::filesystem::path& ledger_path,
               std::vector<std::unique_ptr<UpstreamSink>> sinks);
    void stop() noexcept;

    // Shared with their threads, so that a thread still blocked in an upstream call at shutdown can
    // finish on its own after the forwarder is gone.
    std::vector<std::shared_ptr<SinkWorker>> workers_;
    std::vector<std::thread> worker_threads_;
    std::unique_ptr<OutboxHousekeeper> housekeeper_;
};

}  // namespace gatehouse::daemon::forwarding
