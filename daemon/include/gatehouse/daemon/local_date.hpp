#pragma once
// A calendar day as people at the gate name it ("2026-11-22"), without a time zone: LocalTimeZone says when it
// starts and ends.
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::daemon {

/// A proleptic Gregorian date. Value type; ordered; days can be counted between two dates.
struct LocalDate {
    int year = 1970;
    int month = 1;  ///< 1-12
    int day = 1;    ///< 1-31

    /// "YYYY-MM-DD" (a real date: 2026-02-30 is refused); nullopt otherwise.
    static std::optional<LocalDate> parse(std::string_view text);
    /// "YYYY-MM-DD".
    std::string to_string() const;
    /// Days since 1970-01-01 (negative before).
    long days_since_epoch() const;
    static LocalDate from_days_since_epoch(long days);
    LocalDate plus_days(long days) const { return from_days_since_epoch(days_since_epoch() + days); }

    auto operator<=>(const LocalDate&) const = default;
};

}  // namespace gatehouse::daemon
