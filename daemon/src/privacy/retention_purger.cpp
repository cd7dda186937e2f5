#include "gatehouse/daemon/retention_purger.hpp"

#include <algorithm>

#include <sys/stat.h>

#include <spdlog/spdlog.h>

namespace gatehouse::daemon {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;

std::int64_t utc_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The file's modification time in ms since the epoch; nullopt when it cannot be read.
std::optional<std::int64_t> mtime_ms(const std::filesystem::path& file) {
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0) return std::nullopt;
    return static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000 + info.st_mtim.tv_nsec / 1'000'000;
}

bool is_snapshot_file(const std::filesystem::directory_entry& entry) {
    std::error_code ignored;
    if (!entry.is_regular_file(ignored)) return false;
    const auto ext = entry.path().extension();
    return ext == ".jpg" || ext == ".jpeg";
}

}  // namespace

std::vector<std::filesystem::path> snapshot_directories(const GatewayConfig& config) {
    std::vector<std::filesystem::path> dirs{config.ledger_path.parent_path() / "snapshots"};
    for (const auto& cam : config.cameras) {
        if (cam.snapshot_dir && std::find(dirs.begin(), dirs.end(), *cam.snapshot_dir) == dirs.end()) {
            dirs.push_back(*cam.snapshot_dir);
        }
    }
    return dirs;
}

storage::RetentionCutoffs retention_cutoffs(const RetentionConfig& c, std::int64_t now_ms) {
    return {now_ms - c.events_days * kDayMs, now_ms - c.screenings_days * kDayMs, now_ms - c.decisions_days * kDayMs,
            now_ms - c.alerts_days * kDayMs, now_ms - c.snapshots_days * kDayMs};
}

std::optional<storage::RetentionCutoffs> RetentionSchedule::cutoffs(std::int64_t wall_ms, SteadyClock::time_point steady,
                                                                    std::string& why) {
    why.clear();
    if (wall_ms < kClockFloorMs) {
        why = "the wall clock reads a time before 2024 (not set yet?)";
        return std::nullopt;
    }
    const auto previous = last_;
    last_ = {wall_ms, steady};
    if (previous) {
        const auto wall_advance = std::chrono::milliseconds(wall_ms - previous->first);
        const auto steady_advance = std::chrono::duration_cast<std::chrono::milliseconds>(steady - previous->second);
        if (wall_advance - steady_advance > kJumpTolerance) {
            hold_until_ = steady + kHoldAfterJump;
            why = "the wall clock jumped ahead by " +
                  std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wall_advance - steady_advance).count()) +
                  " s; holding the purge for an hour";
            return std::nullopt;
        }
    }
    if (hold_until_ && steady < *hold_until_) {
        why = "holding the purge after a wall clock jump";
        return std::nullopt;
    }
    hold_until_.reset();
    return retention_cutoffs(config_, wall_ms);
}

RetentionPurger::RetentionPurger(std::filesystem::path ledger, RetentionConfig config,
                                 std::vector<std::filesystem::path> snapshot_dirs)
    : ledger_(std::move(ledger)),
      purger_(ledger_),
      schedule_(config),
      config_(config),
      snapshot_dirs_(std::move(snapshot_dirs)) {
    thread_ = std::thread([this] { run(); });
}

RetentionPurger::~RetentionPurger() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

RetentionFigures RetentionPurger::figures() const {
    std::lock_guard lock(mutex_);
    return figures_;
}

void RetentionPurger::reconfigure(const RetentionConfig& config, std::vector<std::filesystem::path> snapshot_dirs) {
    {
        std::lock_guard lock(mutex_);
        config_ = config;
        snapshot_dirs_ = std::move(snapshot_dirs);
        poked_ = true;
    }
    wake_.notify_all();  // a shorter retention applies at once
}

bool RetentionPurger::pause(std::chrono::milliseconds duration) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, duration, [this] { return stop_ || poked_; });
    poked_ = false;
    return !stop_;
}

void RetentionPurger::run() {
    while (round()) {
        std::chrono::seconds interval;
        {
            std::lock_guard lock(mutex_);
            interval = config_.interval;
        }
        if (!pause(interval)) return;
    }
}

// Files are deleted only when they are as old as their record says: a name written again since (snapshot
// names repeat across restarts) now holds someone else's fresh evidence.
void RetentionPurger::delete_files(const std::vector<std::string>& files, std::int64_t cutoff_ms, RetentionFigures& delta) {
    for (const auto& file : files) {
        const auto modified = mtime_ms(file);
        if (!modified || *modified >= cutoff_ms) continue;
        std::error_code error;
        if (std::filesystem::remove(file, error)) {
            ++delta.snapshot_files_deleted;
        } else if (error) {
            ++delta.file_errors;
            spdlog::warn("retention: cannot delete snapshot {}: {}", file, error.message());
        }
    }
}

void RetentionPurger::sweep_orphans(std::int64_t cutoff_ms, const std::vector<std::filesystem::path>& dirs,
                                    RetentionFigures& delta) {
    for (const auto& dir : dirs) {
        std::error_code error;
        if (!std::filesystem::is_directory(dir, error)) continue;
        for (std::filesystem::recursive_directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
            if (!is_snapshot_file(*it)) continue;
            const auto modified = mtime_ms(it->path());
            // A file stamped in the future (clock trouble when it was written) is kept like a fresh one.
            if (!modified || *modified >= cutoff_ms) continue;
            std::error_code removed;
            if (std::filesystem::remove(it->path(), removed)) {
                ++delta.orphan_files_deleted;
            } else if (removed) {
                ++delta.file_errors;
            }
        }
    }
}

bool RetentionPurger::round() {
    RetentionConfig config;
    std::vector<std::filesystem::path> dirs;
    {
        std::lock_guard lock(mutex_);
        if (stop_) return false;
        config = config_;
        dirs = snapshot_dirs_;
    }
    schedule_.set_config(config);
    std::string why;
    const auto wall = utc_now_ms();
    const auto cutoffs = schedule_.cutoffs(wall, RetentionSchedule::SteadyClock::now(), why);
    if (!cutoffs) {
        std::lock_guard lock(mutex_);
        if (figures_.held != why) spdlog::warn("retention: purge held: {}", why);
        figures_.held = why;
        return true;
    }
    RetentionFigures delta;
    std::string error;
    bool stopped = false;
    try {
        while (true) {
            auto step = purger_.purge_step(*cutoffs, config.batch_size);
            delete_files(step.snapshot_files, cutoffs->snapshots_ms, delta);
            step.snapshot_files.clear();
            delta.purged += step;
            {
                std::lock_guard lock(mutex_);  // figures grow batch by batch, so status shows a long purge moving
                figures_.purged += step;
                figures_.snapshot_files_deleted += delta.snapshot_files_deleted;
                figures_.file_errors += delta.file_errors;
            }
            delta.snapshot_files_deleted = 0;
            delta.file_errors = 0;
            if (!step.more) break;
            if (!pause(config.batch_pause)) {
                stopped = true;
                break;
            }
        }
        if (!stopped) sweep_orphans(cutoffs->snapshots_ms, dirs, delta);
    } catch (const std::exception& e) {
        error = e.what();
    }
    const auto& p = delta.purged;
    if (p.rows() > 0 || p.snapshots > 0 || delta.orphan_files_deleted > 0) {
        spdlog::info("retention: purged {} events, {} screenings, {} decisions, {} alerts ({} actions), {} snapshots, "
                     "{} unsent upstream records, {} dead letters, {} unreferenced snapshot files",
                     p.events, p.screenings, p.decisions, p.alerts, p.alert_actions, p.snapshots, p.outbox,
                     p.dead_letters, delta.orphan_files_deleted);
    }
    std::lock_guard lock(mutex_);
    if (!error.empty() && error != figures_.error) spdlog::warn("retention: purge failed (retrying next round): {}", error);
    figures_.error = error;
    figures_.held.clear();
    figures_.orphan_files_deleted += delta.orphan_files_deleted;
    figures_.file_errors += delta.file_errors;
    ++figures_.rounds;
    figures_.last_round_utc_ms = wall;
    return !stopped;
}

}  // namespace gatehouse::daemon
