#pragma once
// The ledger's record of each report generated: who made it, when, about which days, and a hash of its content.
#include <cstdint>
#include <optional>
#include <string>

namespace gatehouse::storage {

/// One generated report (a CLI run, or the daemon's scheduled report upstream).
struct ReportRecord {
    std::string kind = "daily";         ///< daily or range.
    std::string first_day;              ///< Local date "YYYY-MM-DD" (the day of a daily report).
    std::string last_day;               ///< Same as first_day for a daily report.
    std::optional<std::string> gate;    ///< Unset: every gate.
    std::string timezone;               ///< The IANA zone the days are local to.
    std::string format;                 ///< csv, html, json, text, or upstream (the scheduled JSON).
    std::string channel = "cli";        ///< cli, or upstream (the scheduled report; at most one per day).
    std::string actor;                  ///< Login name, or "gatehouse" for the scheduled report.
    std::int64_t generated_ms = 0;      ///< UTC ms.
    std::string sha256;                 ///< Hex SHA-256 of the content as written (the outbox body upstream).
    std::int64_t bytes = 0;
};

}  // namespace gatehouse::storage
