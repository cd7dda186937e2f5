// LocalTimeZone and LocalDate over Howard Hinnant's date library (the system's tzdata).
#include "gatehouse/daemon/local_time_zone.hpp"

#include <stdexcept>

#include <date/tz.h>

namespace gatehouse::daemon {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

date::sys_time<milliseconds> to_sys(std::int64_t utc_ms) { return date::sys_time<milliseconds>{milliseconds{utc_ms}}; }
std::int64_t to_ms(date::sys_time<milliseconds> t) { return t.time_since_epoch().count(); }

date::local_days local_days_of(const LocalDate& d) {
    return date::local_days{date::year{d.year} / date::month{static_cast<unsigned>(d.month)} /
                            date::day{static_cast<unsigned>(d.day)}};
}

// The first UTC instant at or after local time `local` (a time in a gap maps to the end of the gap).
date::sys_time<milliseconds> first_instant(const date::time_zone* zone, date::local_time<milliseconds> local) {
    const auto info = zone->get_info(local);
    switch (info.result) {
        case date::local_info::unique:
        case date::local_info::ambiguous:  // the first occurrence
            return date::sys_time<milliseconds>{local.time_since_epoch() - info.first.offset};
        case date::local_info::nonexistent:
        default:
            return date::sys_time<milliseconds>{info.first.end};
    }
}

}  // namespace

std::optional<LocalDate> LocalDate::parse(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    auto digits = [&](std::size_t from, std::size_t count) -> std::optional<int> {
        int value = 0;
        for (std::size_t i = from; i < from + count; ++i) {
            if (text[i] < '0' || text[i] > '9') return std::nullopt;
            value = value * 10 + (text[i] - '0');
        }
        return value;
    };
    const auto y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
    if (!y || !m || !d) return std::nullopt;
    const date::year_month_day ymd{date::year{*y}, date::month{static_cast<unsigned>(*m)}, date::day{static_cast<unsigned>(*d)}};
    if (!ymd.ok()) return std::nullopt;
    return LocalDate{*y, *m, *d};
}

std::string LocalDate::to_string() const {
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d", year, month, day);
    return text;
}

long LocalDate::days_since_epoch() const {
    return static_cast<long>(date::sys_days{date::year{year} / date::month{static_cast<unsigned>(month)} /
                                            date::day{static_cast<unsigned>(day)}}
                                 .time_since_epoch()
                                 .count());
}

LocalDate LocalDate::from_days_since_epoch(long days) {
    const date::year_month_day ymd{date::sys_days{date::days{days}}};
    return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
            static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

std::optional<LocalTimeZone> LocalTimeZone::find(const std::string& iana_name) {
    try {
        const date::time_zone* zone = date::locate_zone(iana_name);
        return LocalTimeZone(zone, zone->name());
    } catch (const std::runtime_error&) {
        return std::nullopt;
    }
}

LocalTimeZone LocalTimeZone::system() {
    try {
        const date::time_zone* zone = date::current_zone();
        return LocalTimeZone(zone, zone->name());
    } catch (const std::runtime_error&) {
        return utc();  // no /etc/localtime (a container): UTC, as the C library assumes too
    }
}

LocalTimeZone LocalTimeZone::utc() {
    const date::time_zone* zone = date::locate_zone("Etc/UTC");
    return LocalTimeZone(zone, zone->name());
}

LocalTimeZone LocalTimeZone::from_setting(const std::string& iana_name) {
    if (iana_name.empty()) return system();
    if (auto zone = find(iana_name)) return *zone;
    throw std::invalid_argument("'" + iana_name +
                                "' is not a time zone in the system's database (an IANA name such as Asia/Shanghai; "
                                "see /usr/share/zoneinfo, package tzdata)");
}

LocalDate LocalTimeZone::date_of(std::int64_t utc_ms) const {
    const auto local = zone_->to_local(to_sys(utc_ms));
    const date::year_month_day ymd{date::floor<date::days>(local)};
    return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
            static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

LocalDayBounds LocalTimeZone::day(const LocalDate& d) const {
    const auto start = date::local_time<milliseconds>{local_days_of(d).time_since_epoch()};
    const auto end = date::local_time<milliseconds>{local_days_of(d.plus_days(1)).time_since_epoch()};
    return {to_ms(first_instant(zone_, start)), to_ms(first_instant(zone_, end))};
}

std::vector<std::int64_t> LocalTimeZone::hour_starts(const LocalDate& d) const {
    const LocalDayBounds bounds = day(d);
    std::vector<std::int64_t> starts;
    // Walk UTC hours from the day's start; offsets that are not whole hours (India, Nepal) still give local
    // clock hours because the walk starts at local midnight.
    constexpr std::int64_t kHour = 3'600'000;
    for (std::int64_t t = bounds.start_ms; t < bounds.end_ms; t += kHour) starts.push_back(t);
    return starts;
}

std::int64_t LocalTimeZone::at(const LocalDate& d, int minutes_of_day) const {
    const auto local = date::local_time<milliseconds>{local_days_of(d).time_since_epoch() + minutes{minutes_of_day}};
    return to_ms(first_instant(zone_, local));
}

std::chrono::minutes LocalTimeZone::offset(std::int64_t utc_ms) const {
    return std::chrono::duration_cast<minutes>(zone_->get_info(to_sys(utc_ms)).offset);
}

std::string LocalTimeZone::format_iso(std::int64_t utc_ms) const {
    const auto seconds = date::floor<std::chrono::seconds>(to_sys(utc_ms));
    return date::format("%FT%T%Ez", date::make_zoned(zone_, seconds));
}

std::string LocalTimeZone::format(std::int64_t utc_ms, const char* pattern) const {
    const auto seconds = date::floor<std::chrono::seconds>(to_sys(utc_ms));
    return date::format(pattern, date::make_zoned(zone_, seconds));
}

}  // namespace gatehouse::daemon
