#pragma once
// Log lines about misbehaving peers, at most one per key per interval, so a flood cannot fill the journal.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include <spdlog/spdlog.h>

namespace gatehouse::daemon {

/// Per-key rate limiter for warnings; reports how many lines it suppressed when it next lets one through.
/// Thread-safety: none.
class RateLimitedLog {
public:
    explicit RateLimitedLog(std::chrono::milliseconds interval = std::chrono::seconds(5)) : interval_(interval) {}

    void warn(const std::string& key, const std::string& message);

private:
    struct Slot {
        std::chrono::steady_clock::time_point last{};
        std::uint64_t suppressed = 0;
        bool used = false;
    };
    std::chrono::milliseconds interval_;
    std::map<std::string, Slot> slots_;
};

}  // namespace gatehouse::daemon
