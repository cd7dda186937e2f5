#include "gatehouse/daemon/rate_limited_log.hpp"

namespace gatehouse::daemon {

void RateLimitedLog::warn(const std::string& key, const std::string& message) {
    const auto now = std::chrono::steady_clock::now();
    Slot& slot = slots_[key];
    if (slot.used && now - slot.last < interval_) {
        ++slot.suppressed;
        return;
    }
    if (slot.suppressed > 0) {
        spdlog::warn("{} ({} similar messages suppressed)", message, slot.suppressed);
    } else {
        spdlog::warn("{}", message);
    }
    slot = Slot{now, 0, true};
}

}  // namespace gatehouse::daemon
