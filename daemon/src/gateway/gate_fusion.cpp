#include "gatehouse/daemon/gate_fusion.hpp"

#include <algorithm>

namespace gatehouse::daemon {

using Time = std::chrono::steady_clock::time_point;

std::optional<FusionMatch> GateFusion::add_screening(storage::ScreeningRecord screening, Time now) {
    if (!waiting_.empty()) {
        FusionMatch match{std::move(waiting_.front()), std::move(screening)};
        waiting_.pop_front();
        return match;
    }
    screenings_.push_back({std::move(screening), now});
    return std::nullopt;
}

std::optional<storage::ScreeningRecord> GateFusion::take(Time now) {
    credentials_.push_back(now);
    // Screenings older than the window are too old for this person; expire() decides whether they were tailgaters.
    for (auto it = screenings_.begin(); it != screenings_.end(); ++it) {
        if (now - it->at <= window_) {
            auto screening = std::move(it->screening);
            screenings_.erase(it);
            return screening;
        }
    }
    return std::nullopt;
}

std::vector<WaitingRequest> GateFusion::release_waiting() {
    std::vector<WaitingRequest> out(std::make_move_iterator(waiting_.begin()), std::make_move_iterator(waiting_.end()));
    waiting_.clear();
    return out;
}

FusionExpiry GateFusion::expire(Time now) {
    FusionExpiry out;
    while (!waiting_.empty() && waiting_.front().deadline <= now) {
        out.requests.push_back(std::move(waiting_.front()));
        waiting_.pop_front();
    }
    while (!screenings_.empty() && now - screenings_.front().at > window_) {
        const Time at = screenings_.front().at;
        const bool credential_near = std::any_of(credentials_.begin(), credentials_.end(), [&](Time c) {
            return c >= at - window_ && c <= at + window_;
        });
        if (credential_near) out.unclaimed_near_credential.push_back(std::move(screenings_.front().screening));
        screenings_.pop_front();
    }
    // A credential matters for screenings up to one window before and after it.
    while (!credentials_.empty() && now - credentials_.front() > 2 * window_) credentials_.pop_front();
    return out;
}

std::optional<Time> GateFusion::next_deadline() const {
    std::optional<Time> next;
    if (!waiting_.empty()) next = waiting_.front().deadline;
    if (!screenings_.empty()) {
        const Time screening_expiry = screenings_.front().at + window_;
        next = next ? std::min(*next, screening_expiry) : screening_expiry;
    }
    return next;
}

}  // namespace gatehouse::daemon
