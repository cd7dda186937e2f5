#pragma once
// Retention: records and evidence snapshots older than their configured age leave the ledger and the disk.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/storage/record_purger.hpp"

namespace gatehouse::daemon {

/// The cutoffs of each purge round, from the wall clock, and whether the wall clock can be trusted now.
/// Records are aged by wall-clock time stamps, so a wrong clock could make fresh records look old. A round
/// is held (nothing purged) while the clock reads a time before 2024 (an unset RTC), and for an hour after
/// the wall clock ran ahead of the monotonic clock by more than 10 minutes between two rounds (a clock set
/// far ahead by mistake): long enough for NTP or an operator to correct it. A clock set back only purges less.
/// Thread-safety: none (one purger thread).
class RetentionSchedule {
public:
    using SteadyClock = std::chrono::steady_clock;
    static constexpr std::int64_t kClockFloorMs = 1'704'067'200'000;  // 2024-01-01T00:00:00Z
    static constexpr std::chrono::minutes kJumpTolerance{10};
    static constexpr std::chrono::hours kHoldAfterJump{1};

    explicit RetentionSchedule(RetentionConfig config) : config_(config) {}
    void set_config(const RetentionConfig& config) { config_ = config; }

    /// Cutoffs for a round now; nullopt with `why` set when the round must be held.
    std::optional<storage::RetentionCutoffs> cutoffs(std::int64_t wall_ms, SteadyClock::time_point steady,
                                                     std::string& why);

private:
    RetentionConfig config_;
    std::optional<std::pair<std::int64_t, SteadyClock::time_point>> last_;
    std::optional<SteadyClock::time_point> hold_until_;
};

/// What the purge did since the daemon started (status, metrics).
struct RetentionFigures {
    storage::PurgeCounts purged;  ///< Rows per kind (snapshot_files left empty).
    std::int64_t snapshot_files_deleted = 0;
    std::int64_t orphan_files_deleted = 0;  ///< Snapshot files no record named, older than snapshots_days.
    std::int64_t file_errors = 0;           ///< Snapshot files that could not be deleted.
    std::int64_t rounds = 0;
    std::int64_t last_round_utc_ms = 0;
    std::string held;   ///< Why the last round was held (clock), empty when it ran.
    std::string error;  ///< The last round's failure, empty when it succeeded.
};

/// Runs the purge on a thread of its own with its own connection to the ledger: each round deletes what is
/// past its retention in batches of `batch_size` rows per kind, one short transaction per kind and batch,
/// pausing `batch_pause` between batches, so the ledger writer's group commits (and the acks that wait for
/// them) get the write lock between any two batches. Then it sweeps the snapshot directories for evidence
/// files nothing names any more.
class RetentionPurger {
public:
    RetentionPurger(std::filesystem::path ledger, RetentionConfig config, std::vector<std::filesystem::path> snapshot_dirs);
    ~RetentionPurger();  ///< Stops between two batches and joins.
    RetentionPurger(const RetentionPurger&) = delete;
    RetentionPurger& operator=(const RetentionPurger&) = delete;

    RetentionFigures figures() const;
    /// Configuration reload: the next round uses these.
    void reconfigure(const RetentionConfig& config, std::vector<std::filesystem::path> snapshot_dirs);

private:
    void run();
    bool round();  ///< One round; false when stopping.
    bool pause(std::chrono::milliseconds duration);  ///< false when stopping.
    void delete_files(const std::vector<std::string>& files, std::int64_t cutoff_ms, RetentionFigures& delta);
    void sweep_orphans(std::int64_t cutoff_ms, const std::vector<std::filesystem::path>& dirs, RetentionFigures& delta);

    std::filesystem::path ledger_;
    storage::RecordPurger purger_;
    RetentionSchedule schedule_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    bool poked_ = false;  // reconfigured: start the next round now
    RetentionConfig config_;
    std::vector<std::filesystem::path> snapshot_dirs_;
    RetentionFigures figures_;
    std::thread thread_;  // last: started once everything it uses exists
};

/// Where evidence snapshots are written: "snapshots" beside the ledger (one directory per camera below it)
/// and every camera's own snapshot_dir.
std::vector<std::filesystem::path> snapshot_directories(const GatewayConfig& config);

/// The retention cutoffs at `now_ms` without any clock check (the CLI's view, tests).
storage::RetentionCutoffs retention_cutoffs(const RetentionConfig& config, std::int64_t now_ms);

}  // namespace gatehouse::daemon
