#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace gatehouse::daemon::cli {

/// Parses a --since/--until value: RFC 3339 UTC ("2026-11-22T08:00:00Z"), a UTC date ("2026-11-22"), or an
/// age before `now_ms` ("90s", "30m", "12h", "14d"). Returns ms since the epoch, or nullopt if unreadable.
std::optional<std::int64_t> parse_time_bound(const std::string& text, std::int64_t now_ms);

}  // namespace gatehouse::daemon::cli
