// LocalTimeZone: local days and hours in zones with and without daylight-saving time, against instants written
// out by hand in UTC.
#include <catch2/catch.hpp>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/daemon/local_time_zone.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

using namespace gatehouse::daemon;

namespace {

std::int64_t utc(const char* text) { return *gatehouse::ipc::parse_utc_timestamp(text); }

}  // namespace

TEST_CASE("LocalDate parses real dates only and counts days", "[daemon][reports][time]") {
    CHECK(LocalDate::parse("2026-11-22") == LocalDate{2026, 11, 22});
    CHECK_FALSE(LocalDate::parse("2026-02-30"));
    CHECK_FALSE(LocalDate::parse("2026-13-01"));
    CHECK_FALSE(LocalDate::parse("26-11-22"));
    CHECK_FALSE(LocalDate::parse("2026/11/22"));
    CHECK(LocalDate::parse("2028-02-29"));
    CHECK(LocalDate{1970, 1, 1}.days_since_epoch() == 0);
    CHECK(LocalDate{2026, 12, 31}.plus_days(1) == LocalDate{2027, 1, 1});
    CHECK(LocalDate{2026, 3, 1}.plus_days(-1) == LocalDate{2026, 2, 28});
    CHECK(LocalDate{2026, 11, 22}.to_string() == "2026-11-22");
}

TEST_CASE("an Asia/Shanghai day starts at 16:00 UTC the day before", "[daemon][reports][time]") {
    const auto zone = LocalTimeZone::find("Asia/Shanghai");
    REQUIRE(zone);
    const auto day = zone->day({2026, 11, 22});
    CHECK(day.start_ms == utc("2026-11-21T16:00:00Z"));
    CHECK(day.end_ms == utc("2026-11-22T16:00:00Z"));
    CHECK(zone->hour_starts({2026, 11, 22}).size() == 24);
    // 23:59 and 00:01 local lie on different local days but on the same UTC day.
    CHECK(zone->date_of(utc("2026-11-21T15:59:00Z")) == LocalDate{2026, 11, 21});
    CHECK(zone->date_of(utc("2026-11-21T16:01:00Z")) == LocalDate{2026, 11, 22});
    CHECK(zone->at({2026, 11, 22}, 8 * 60) == utc("2026-11-22T00:00:00Z"));
    CHECK(zone->format_iso(utc("2026-11-22T00:15:30.250Z")) == "2026-11-22T08:15:30+08:00");
    CHECK(zone->format(utc("2026-11-22T00:15:30Z"), "%Y-%m-%d %H:%M") == "2026-11-22 08:15");
    CHECK(zone->offset(utc("2026-11-22T00:00:00Z")) == std::chrono::minutes(480));
}

TEST_CASE("daylight-saving days have 23 and 25 local hours", "[daemon][reports][time]") {
    const auto zone = LocalTimeZone::find("America/New_York");
    REQUIRE(zone);
    const auto spring = zone->day({2026, 3, 8});
    CHECK(spring.end_ms - spring.start_ms == 23 * 3'600'000LL);
    CHECK(zone->hour_starts({2026, 3, 8}).size() == 23);
    const auto autumn = zone->day({2026, 11, 1});
    CHECK(autumn.end_ms - autumn.start_ms == 25 * 3'600'000LL);
    CHECK(zone->hour_starts({2026, 11, 1}).size() == 25);
    // 02:30 does not exist on the spring day: the first instant after the gap (03:00 EDT = 07:00 UTC).
    CHECK(zone->at({2026, 3, 8}, 2 * 60 + 30) == utc("2026-03-08T07:00:00Z"));
    // 01:30 happens twice on the autumn day: the first (EDT, 05:30 UTC).
    CHECK(zone->at({2026, 11, 1}, 90) == utc("2026-11-01T05:30:00Z"));
}

TEST_CASE("unknown zones are refused, the system's zone is a zone", "[daemon][reports][time]") {
    CHECK_FALSE(LocalTimeZone::find("Mars/Olympus_Mons"));
    CHECK_THROWS_AS(LocalTimeZone::from_setting("Asia/Beijing"), std::invalid_argument);
    CHECK_FALSE(LocalTimeZone::system().name().empty());
    CHECK(LocalTimeZone::from_setting("") == LocalTimeZone::system());
    CHECK(LocalTimeZone::utc().date_of(utc("2026-11-21T23:59:59Z")) == LocalDate{2026, 11, 21});
}

TEST_CASE("gateway.timezone and reports.daily_upstream_at are checked at load", "[daemon][reports][config]") {
    const auto c = parse_config("[gateway]\ntimezone = \"Asia/Shanghai\"\n[reports]\ndaily_upstream_at = \"07:30\"\n", "t.toml");
    CHECK(c.time_zone().name() == "Asia/Shanghai");
    CHECK(c.reports.daily_upstream_minutes == 450);
    CHECK(parse_config("", "t.toml").timezone.empty());
    CHECK_FALSE(parse_config("", "t.toml").reports.daily_upstream_minutes);
    CHECK_THROWS_WITH(parse_config("[gateway]\ntimezone = \"Asia/Beijing\"\n", "t.toml"),
                      Catch::Contains("t.toml:2:12: gateway.timezone: 'Asia/Beijing' is not a time zone"));
    CHECK_THROWS_WITH(parse_config("[reports]\ndaily_upstream_at = \"8:00\"\n", "t.toml"),
                      Catch::Contains("reports.daily_upstream_at: '8:00' is not a local time HH:MM"));
    CHECK_THROWS_WITH(parse_config("[reports]\ndaily_upstream_at = \"24:00\"\n", "t.toml"), Catch::Contains("HH:MM"));
    CHECK_THROWS_WITH(parse_config("[reports]\ndaily = \"08:00\"\n", "t.toml"), Catch::Contains("unknown key"));
}
