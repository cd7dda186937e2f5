#pragma once
// A token bucket: the per-terminal rate limit on the terminal socket.
#include <algorithm>
#include <chrono>

namespace gatehouse::daemon {

/// Allows `rate` actions per second on average and bursts of up to `burst`. A rate of 0 allows everything.
/// Thread-safety: none.
class TokenBucket {
public:
    using Clock = std::chrono::steady_clock;

    TokenBucket(double rate, double burst, Clock::time_point now) : rate_(rate), burst_(burst), tokens_(burst), last_(now) {}

    /// Takes one token; false (nothing taken) when the bucket is empty.
    bool try_take(Clock::time_point now) {
        if (rate_ <= 0) return true;
        const double elapsed = std::chrono::duration<double>(now - last_).count();
        tokens_ = std::min(burst_, tokens_ + std::max(0.0, elapsed) * rate_);
        last_ = now;
        if (tokens_ < 1.0) return false;
        tokens_ -= 1.0;
        return true;
    }
    /// New limits (reload); the tokens saved so far are kept up to the new burst.
    void set_limits(double rate, double burst) {
        rate_ = rate;
        burst_ = burst;
        tokens_ = std::min(tokens_, burst_);
    }

private:
    double rate_;
    double burst_;
    double tokens_;
    Clock::time_point last_;
};

}  // namespace gatehouse::daemon
