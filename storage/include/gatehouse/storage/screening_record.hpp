#pragma once
// A thermal screening as the ledger keeps it: one per person who passed a gate's camera.
#include <cstdint>
#include <optional>
#include <string>

namespace gatehouse::storage {

/// One person's screening at a gate camera.
struct ScreeningRecord {
    std::int64_t id = 0;                  ///< Gateway-assigned, ascending; decisions refer to it.
    std::string camera;
    std::string gate;
    std::int64_t screened_ms = 0;         ///< Gateway wall clock when the verdict arrived, ms since the Unix epoch.
    std::optional<double> celsius;        ///< Reported temperature; empty when it could not be measured.
    std::string verdict;                  ///< normal, elevated, uncertain.
    std::optional<std::string> reason;    ///< Why uncertain.
    double threshold_celsius = 0;         ///< The alarm threshold in force.
    std::optional<std::string> snapshot;  ///< Evidence JPEG path, when one was written.
};

}  // namespace gatehouse::storage
