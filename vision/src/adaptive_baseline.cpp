#include "gatehouse/vision/adaptive_baseline.hpp"

#include <algorithm>
#include <vector>

namespace gatehouse::vision {

std::optional<double> AdaptiveBaseline::alarm_level() const {
    if (!config_.enabled || static_cast<int>(readings_.size()) < std::max(3, config_.min_readings)) return std::nullopt;
    std::vector<double> sorted(readings_.begin(), readings_.end());
    std::sort(sorted.begin(), sorted.end());
    double sum = 0;
    for (std::size_t i = 1; i + 1 < sorted.size(); ++i) sum += sorted[i];
    return sum / static_cast<double>(sorted.size() - 2) + config_.delta_celsius;
}

void AdaptiveBaseline::add_normal(double celsius) {
    if (!config_.enabled) return;
    readings_.push_back(celsius);
    while (static_cast<int>(readings_.size()) > std::max(3, config_.window)) readings_.pop_front();
}

}  // namespace gatehouse::vision
