#include "puback_tracker.hpp"

#include <algorithm>
#include <vector>

namespace gatehouse::daemon::forwarding {

void PubackTracker::add_published(int mid, Clock::time_point deadline) {
    if (unmatched_acks_.erase(mid)) {
        entries_.push_back({DeliveryStatus::delivered, true, deadline, {}});
        advance_front();
        return;
    }
    entries_.push_back({DeliveryStatus::retry_later, false, deadline, {}});
    waiting_by_mid_[mid] = first_ticket_ + entries_.size() - 1;
}

void PubackTracker::add_rejected(std::string key) {
    entries_.push_back({DeliveryStatus::rejected, true, {}, std::move(key)});
    advance_front();
}

void PubackTracker::add_unsent(std::string why) {
    entries_.push_back({DeliveryStatus::retry_later, true, {}, std::move(why)});
    advance_front();
}

void PubackTracker::acknowledge(int mid) {
    const auto it = waiting_by_mid_.find(mid);
    if (it == waiting_by_mid_.end()) {
        unmatched_acks_.insert(mid);
        return;
    }
    const std::uint64_t ticket = it->second;
    waiting_by_mid_.erase(it);
    settle(ticket, DeliveryStatus::delivered, {});
}

void PubackTracker::give_up_waiting(const std::string& why) {
    for (const auto& [mid, ticket] : waiting_by_mid_) {
        Entry& e = at(ticket);
        e.settled = true;
        e.status = DeliveryStatus::retry_later;
        e.note = why;
    }
    waiting_by_mid_.clear();
    advance_front();
}

std::optional<PubackTracker::Clock::time_point> PubackTracker::first_deadline() const {
    // The entry just behind the settled front is by definition still waiting.
    if (settled_front_ >= entries_.size()) return std::nullopt;
    return entries_[settled_front_].deadline;
}

DeliveryReport PubackTracker::take_settled_front() {
    DeliveryReport report;
    report.statuses.reserve(settled_front_);
    std::vector<std::string> reasons;  // distinct, in order of appearance: usually one
    std::string refused;
    for (std::size_t i = 0; i < settled_front_; ++i) {
        Entry& e = entries_[i];
        report.statuses.push_back(e.status);
        if (e.status == DeliveryStatus::rejected) {
            refused += (refused.empty() ? "" : ", ") + e.note;
        } else if (e.status == DeliveryStatus::retry_later &&
                   std::find(reasons.begin(), reasons.end(), e.note) == reasons.end()) {
            reasons.push_back(std::move(e.note));
        }
    }
    for (const auto& reason : reasons) report.detail += (report.detail.empty() ? "" : "; ") + reason;
    if (!refused.empty()) {
        report.detail += (report.detail.empty() ? "" : "; ") + std::string("body is not a JSON object: ") + refused;
    }
    entries_.erase(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(settled_front_));
    first_ticket_ += settled_front_;
    settled_front_ = 0;
    return report;
}

void PubackTracker::settle(std::uint64_t ticket, DeliveryStatus status, std::string note) {
    Entry& e = at(ticket);
    e.settled = true;
    e.status = status;
    e.note = std::move(note);
    advance_front();
}

void PubackTracker::advance_front() {
    while (settled_front_ < entries_.size() && entries_[settled_front_].settled) ++settled_front_;
}

}  // namespace gatehouse::daemon::forwarding
