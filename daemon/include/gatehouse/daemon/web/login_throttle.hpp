#pragma once
// Slows password guessing at the web console's login: failures are counted per account and per client address
// within a sliding window, and a login is refused (429) while either count is full.
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "gatehouse/daemon/forwarding/sliding_window_limiter.hpp"

namespace gatehouse::daemon::web {

/// The throttle of one web console. A refused attempt is not checked at all (no password hash is computed), so
/// guessing costs the attacker the window, not the gateway its CPU. A success clears the account's failures, not
/// the address's. Memory is bounded: at most `max_keys` accounts and addresses are remembered (the oldest is
/// forgotten first). Times are passed in so the rule is testable without sleeping.
/// Thread-safety: every member may be called from any thread.
class LoginThrottle {
public:
    using Clock = std::chrono::steady_clock;

    LoginThrottle(int failures_per_account, int failures_per_address, std::chrono::seconds window,
                  std::size_t max_keys = 10000);

    /// How long `account` from `address` has to wait before its next attempt; zero when it may try now.
    std::chrono::milliseconds wait_time(const std::string& account, const std::string& address, Clock::time_point now);
    void failed(const std::string& account, const std::string& address, Clock::time_point now);
    void succeeded(const std::string& account);

private:
    using Limiter = forwarding::SlidingWindowLimiter;
    struct Entry {
        Limiter limiter;
        Clock::time_point last;
    };
    void record(std::map<std::string, Entry>& map, const std::string& key, int limit, Clock::time_point now);

    int per_account_;
    int per_address_;
    std::chrono::seconds window_;
    std::size_t max_keys_;
    std::mutex mutex_;
    std::map<std::string, Entry> accounts_;
    std::map<std::string, Entry> addresses_;
};

}  // namespace gatehouse::daemon::web
