#pragma once
// The campus's time zone: what "a day" and "08:00" mean to the people at the gate. The ledger keeps UTC; every
// conversion between UTC and the local calendar or clock goes through this one type.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gatehouse/daemon/local_date.hpp"

namespace date {
class time_zone;
}

namespace gatehouse::daemon {

/// UTC milliseconds [start_ms, end_ms) of one local day: 24 h, or 23 / 25 h on the days a zone changes to or
/// from daylight-saving time.
struct LocalDayBounds {
    std::int64_t start_ms = 0;
    std::int64_t end_ms = 0;
};

/// An IANA time zone ("Asia/Shanghai") from the system's zone database (tzdata, /usr/share/zoneinfo), read
/// through Howard Hinnant's date library: the same API as C++20's std::chrono::tzdb, which GCC 12 lacks, so
/// this type can move to std::chrono unchanged for its users. Cheap to copy (the database is loaded once per
/// process and lives until exit). Thread-safe: every member is const.
class LocalTimeZone {
public:
    /// The zone named `iana_name`; nullopt when the database has no such zone.
    static std::optional<LocalTimeZone> find(const std::string& iana_name);
    /// The system's zone (/etc/localtime, as `timedatectl set-timezone` sets it); UTC when it cannot be told.
    static LocalTimeZone system();
    static LocalTimeZone utc();
    /// The configuration's `gateway.timezone`: `iana_name`, or the system's zone when empty. Throws
    /// std::invalid_argument for an unknown name.
    static LocalTimeZone from_setting(const std::string& iana_name);

    /// "Asia/Shanghai".
    const std::string& name() const { return name_; }

    /// The local calendar day the UTC instant falls on.
    LocalDate date_of(std::int64_t utc_ms) const;
    /// When the local day starts and ends, in UTC.
    LocalDayBounds day(const LocalDate& date) const;
    /// The UTC start of each local clock hour of the day (23, 24 or 25 of them), ascending; the day's end follows
    /// the last.
    std::vector<std::int64_t> hour_starts(const LocalDate& date) const;
    /// The UTC instant of local wall-clock time `minutes_of_day` (0-1439) on `date`. A time skipped by a
    /// daylight-saving change is taken as the first instant after the gap; a repeated one as its first occurrence.
    std::int64_t at(const LocalDate& date, int minutes_of_day) const;
    /// Offset from UTC at that instant (+08:00 is 480 minutes).
    std::chrono::minutes offset(std::int64_t utc_ms) const;

    /// "2026-11-22T08:15:30+08:00" (ISO 8601 with the local offset, whole seconds).
    std::string format_iso(std::int64_t utc_ms) const;
    /// strftime-like `pattern` in local time ("%Y-%m-%d %H:%M"); %z gives +0800, %Z the abbreviation.
    std::string format(std::int64_t utc_ms, const char* pattern) const;

    bool operator==(const LocalTimeZone& other) const { return zone_ == other.zone_; }

private:
    LocalTimeZone(const date::time_zone* zone, std::string name) : zone_(zone), name_(std::move(name)) {}
    const date::time_zone* zone_;
    std::string name_;
};

}  // namespace gatehouse::daemon
