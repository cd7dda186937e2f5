#pragma once
// Send-rate limit of a chat robot: at most N messages in any window, and a least spacing between two.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>

namespace gatehouse::daemon::forwarding {

/// Remembers when the last `limit` messages went and says how long the next one has to wait. Times are
/// passed in (steady clock) so the rule is testable without sleeping.
class SlidingWindowLimiter {
public:
    using Clock = std::chrono::steady_clock;

    SlidingWindowLimiter(int limit, std::chrono::milliseconds window,
                         std::chrono::milliseconds min_interval = std::chrono::milliseconds{0})
        : limit_(static_cast<std::size_t>(std::max(limit, 1))), window_(window), min_interval_(min_interval) {}

    /// Zero when a message may go at `now`; otherwise how long until one may.
    std::chrono::milliseconds wait_time(Clock::time_point now) const {
        Clock::time_point allowed = now;
        if (sent_.size() >= limit_) allowed = std::max(allowed, sent_[sent_.size() - limit_] + window_);
        if (!sent_.empty()) allowed = std::max(allowed, sent_.back() + min_interval_);
        // Round up: waiting 0.4 ms "0 ms" would make a caller spin.
        return std::chrono::ceil<std::chrono::milliseconds>(allowed - now);
    }

    /// A message went at `now`.
    void record(Clock::time_point now) {
        sent_.push_back(now);
        while (sent_.size() > limit_) sent_.pop_front();
    }

    /// Messages sent within the window ending at `now`.
    std::size_t used(Clock::time_point now) const {
        return static_cast<std::size_t>(
            std::count_if(sent_.begin(), sent_.end(), [&](Clock::time_point t) { return t + window_ > now; }));
    }

private:
    std::size_t limit_;
    std::chrono::milliseconds window_;
    std::chrono::milliseconds min_interval_;
    std::deque<Clock::time_point> sent_;  ///< The last `limit_` send times, oldest first.
};

}  // namespace gatehouse::daemon::forwarding
