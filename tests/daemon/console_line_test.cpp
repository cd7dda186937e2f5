// The console line of `gatehouse tail` and the demo: clock times in the gate's zone, and no field of an
// unexpected JSON type can end the command.
#include <cstdio>
#include <memory>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../../daemon/src/cli/console_line.hpp"

using nlohmann::json;
using gatehouse::daemon::LocalTimeZone;
using gatehouse::daemon::cli::console_line;
using gatehouse::daemon::cli::Style;

namespace {

// 2026-11-22T00:15:30Z: 08:15:30 in Shanghai, 00:15:30 in UTC.
constexpr std::int64_t kMorning = 1795306530000;

struct PlainStyle {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{std::tmpfile(), &std::fclose};  // not a terminal: no colour
    Style style{file.get()};
};

}  // namespace

TEST_CASE("console lines show the clock time in the gate's zone, not UTC", "[daemon][cli][console]") {
    PlainStyle plain;
    const json alert = {{"type", "alert"},     {"id", 7},           {"kind", "fever"}, {"severity", "critical"},
                        {"gate", "north-1"}, {"text", "38.2 °C"}, {"celsius", 38.2}, {"time", "2026-11-22T00:15:30.000Z"},
                        {"time_ms", kMorning}};
    const auto shanghai = LocalTimeZone::find("Asia/Shanghai");
    REQUIRE(shanghai);
    const std::string local = console_line("alert.fever.north-1", alert, plain.style, *shanghai);
    CHECK_THAT(local, Catch::StartsWith("08:15:30 ALERT critical fever"));
    CHECK_THAT(local, Catch::Contains("#7") && Catch::Contains("gate north-1") && Catch::Contains("38.2 °C"));
    CHECK_THAT(console_line("alert.fever.north-1", alert, plain.style, LocalTimeZone::utc()), Catch::StartsWith("00:15:30 "));

    // A message without time_ms keeps the clock part of its UTC text.
    json no_ms = alert;
    no_ms.erase("time_ms");
    CHECK_THAT(console_line("alert.fever.north-1", no_ms, plain.style, *shanghai), Catch::StartsWith("00:15:30 "));
}

TEST_CASE("console lines read every field defensively: wrong JSON types are shown empty, never thrown on",
          "[daemon][cli][console]") {
    PlainStyle plain;
    const auto zone = LocalTimeZone::utc();
    const json odd[] = {nullptr, true, 1.5, -1, "text", json::array({1, "a", nullptr}), json::object({{"k", 1}})};
    for (const char* type : {"alert", "alert_state", "decision", "screening", "other"}) {
        for (const char* field : {"id", "time", "time_ms", "reasons", "gate", "person", "celsius", "severity", "note"}) {
            for (const json& value : odd) {
                json m = {{"type", type}, {"id", 1}, {"time_ms", kMorning}, {"reasons", {"no_health_code"}}};
                m[field] = value;
                CAPTURE(type, field, value.dump());
                CHECK_NOTHROW(console_line("x.", m, plain.style, zone));
            }
        }
    }
    const json decision = {{"type", "decision"}, {"result", "deny"}, {"gate", "g"}, {"person", "P1"}, {"time_ms", kMorning},
                           {"reasons", {"deny_list", 5, nullptr, "fever"}}};
    CHECK_THAT(console_line("decision.g", decision, plain.style, zone), Catch::EndsWith("deny_list,fever"));
}
