#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "gatehouse/daemon/local_time_zone.hpp"

namespace gatehouse::daemon::cli {

/// Parses a --since/--until value: RFC 3339 UTC ("2026-11-22T08:00:00Z"), a date ("2026-11-22": the start of that
/// local day in `zone`, gateway.timezone), or an age before `now_ms` ("90s", "30m", "12h", "14d"). Returns ms since
/// the epoch, or nullopt if unreadable.
std::optional<std::int64_t> parse_time_bound(const std::string& text, std::int64_t now_ms, const LocalTimeZone& zone);

}  // namespace gatehouse::daemon::cli
