#pragma once
// FLIR-style adaptive screening baseline.
#include <deque>
#include <optional>

#include "gatehouse/vision/screening_config.hpp"

namespace gatehouse::vision {

/// Running average of the most recent normal readings with the highest and lowest dropped; alarms at
/// average + delta. Absorbs room and season effects that shift everyone's reading alike. Not thread-safe.
class AdaptiveBaseline {
public:
    explicit AdaptiveBaseline(AdaptiveBaselineConfig config) : config_(config) {}

    /// The alarm level, once enough readings are in (and the baseline is enabled).
    std::optional<double> alarm_level() const;
    /// Adds a reading that was judged normal.
    void add_normal(double celsius);

private:
    AdaptiveBaselineConfig config_;
    std::deque<double> readings_;
};

}  // namespace gatehouse::vision
