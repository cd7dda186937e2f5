#include "gatehouse/daemon/web/login_throttle.hpp"

#include <algorithm>

namespace gatehouse::daemon::web {

LoginThrottle::LoginThrottle(int failures_per_account, int failures_per_address, std::chrono::seconds window,
                             std::size_t max_keys)
    : per_account_(failures_per_account), per_address_(failures_per_address), window_(window),
      max_keys_(std::max<std::size_t>(max_keys, 1)) {}

std::chrono::milliseconds LoginThrottle::wait_time(const std::string& account, const std::string& address,
                                                   Clock::time_point now) {
    std::lock_guard lock(mutex_);
    std::chrono::milliseconds wait{0};
    if (const auto it = accounts_.find(account); it != accounts_.end()) wait = it->second.limiter.wait_time(now);
    if (const auto it = addresses_.find(address); it != addresses_.end()) wait = std::max(wait, it->second.limiter.wait_time(now));
    return wait;
}

void LoginThrottle::record(std::map<std::string, Entry>& map, const std::string& key, int limit, Clock::time_point now) {
    auto it = map.find(key);
    if (it == map.end()) {
        if (map.size() >= max_keys_) {
            // Forget the key whose last failure is oldest: it is the one least likely to be limiting anything.
            map.erase(std::min_element(map.begin(), map.end(),
                                       [](const auto& a, const auto& b) { return a.second.last < b.second.last; }));
        }
        it = map.emplace(key, Entry{Limiter(limit, std::chrono::duration_cast<std::chrono::milliseconds>(window_)), now}).first;
    }
    it->second.limiter.record(now);
    it->second.last = now;
}

void LoginThrottle::failed(const std::string& account, const std::string& address, Clock::time_point now) {
    std::lock_guard lock(mutex_);
    record(accounts_, account, per_account_, now);
    record(addresses_, address, per_address_, now);
}

void LoginThrottle::succeeded(const std::string& account) {
    std::lock_guard lock(mutex_);
    accounts_.erase(account);
}

}  // namespace gatehouse::daemon::web
