#pragma once
// Filters for reading events back from the ledger (`gatehouse query`, `gatehouse export`).
#include <cstdint>
#include <optional>
#include <string>

namespace gatehouse::storage {

/// Conjunction of optional conditions on stored events; an unset field does not filter. Times are
/// inclusive bounds on the terminal's timestamp (occurred_ms). Results come ordered by time, then row id.
struct EventFilter {
    std::optional<std::string> gate;
    std::optional<std::string> terminal;
    std::optional<std::string> person;
    std::optional<std::string> kind;
    std::optional<std::int64_t> since_ms;
    std::optional<std::int64_t> until_ms;
    /// Most recent N matches (still returned oldest first); unset returns every match.
    std::optional<std::int64_t> last;
};

}  // namespace gatehouse::storage
