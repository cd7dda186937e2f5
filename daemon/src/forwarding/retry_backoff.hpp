#pragma once
// How long a sink waits after a failed delivery, and how fast it drains a backlog.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <random>

namespace gatehouse::daemon::forwarding {

/// Exponential backoff with jitter: after the n-th failure in a row the base wait is
/// min(max, initial * 2^(n-1)), and the actual wait is uniform in [base / 2, base], so that gateways that
/// lost the same upstream at the same moment do not all come back in the same millisecond.
class RetryBackoff {
public:
    RetryBackoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::uint64_t seed)
        : initial_(std::max<std::chrono::milliseconds>(initial, std::chrono::milliseconds(1))),
          max_(std::max(max, initial_)), random_(seed) {}

    /// The wait after one more failure.
    std::chrono::milliseconds next() {
        std::chrono::milliseconds base = initial_;
        for (int i = 0; i < failures_ && base < max_; ++i) base *= 2;
        base = std::min(base, max_);
        ++failures_;
        std::uniform_int_distribution<std::int64_t> jitter(0, base.count() / 2);
        return base - std::chrono::milliseconds(jitter(random_));
    }
    void reset() { failures_ = 0; }
    int failures() const { return failures_; }

private:
    std::chrono::milliseconds initial_;
    std::chrono::milliseconds max_;
    int failures_ = 0;
    std::mt19937_64 random_;
};

/// Paces a drain at `rate` records per second (0: unlimited): each batch sent pushes the earliest time of
/// the next one by its size / rate, and batches are no larger than one second's worth.
class DrainPacer {
public:
    using Clock = std::chrono::steady_clock;

    explicit DrainPacer(double rate) : rate_(rate) {}

    bool limited() const { return rate_ > 0; }
    std::size_t batch_limit(std::size_t max_batch) const {
        if (!limited()) return max_batch;
        return std::clamp<std::size_t>(static_cast<std::size_t>(rate_), 1, max_batch);
    }
    Clock::time_point ready_at() const { return ready_at_; }
    void sent(std::size_t records, Clock::time_point now) {
        if (!limited()) return;
        const auto cost = std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(static_cast<double>(records) / rate_));
        ready_at_ = std::max(ready_at_, now) + cost;
    }
    void reset() { ready_at_ = {}; }

private:
    double rate_;
    Clock::time_point ready_at_{};
};

}  // namespace gatehouse::daemon::forwarding
