#include <catch2/catch.hpp>

#include "gatehouse/daemon/person_list_csv.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

using namespace gatehouse;
using daemon::parse_person_list_csv;
using storage::PersonListKind;

namespace {
const auto kUtc = daemon::LocalTimeZone::utc();
}  // namespace

TEST_CASE("a well-formed list file parses with quoting, BOM, CRLF and free column order", "[daemon][lists]") {
    const std::string text =
        "\xEF\xBB\xBFperson,list,name,valid_from,valid_until,note\r\n"
        "E1001,allow,Zhang Wei,2026-11-01,2026-12-31,returning employee\r\n"
        "V0042,deny,,,,\"banned: tailgating, twice\"\r\n"
        "\r\n"
        "E1002,allow,\"Li \"\"Xiao\"\" Ming\",2026-11-01T08:00:00Z,,\"multi\nline\"\n";
    const auto parsed = parse_person_list_csv(text, kUtc);
    REQUIRE(parsed.errors.empty());
    REQUIRE(parsed.entries.size() == 3);
    const auto& zhang = parsed.entries[0];
    CHECK(zhang.list == PersonListKind::allow);
    CHECK(zhang.name == "Zhang Wei");
    CHECK(zhang.valid_from_ms == ipc::parse_utc_timestamp("2026-11-01T00:00:00Z"));
    CHECK(zhang.valid_until_ms == *ipc::parse_utc_timestamp("2027-01-01T00:00:00Z") - 1);  // the whole last day
    CHECK(parsed.entries[1].list == PersonListKind::deny);
    CHECK(parsed.entries[1].note == "banned: tailgating, twice");
    CHECK(parsed.entries[2].name == "Li \"Xiao\" Ming");
    CHECK(parsed.entries[2].note == "multi\nline");
    CHECK_FALSE(parsed.entries[2].valid_until_ms);
}

TEST_CASE("every bad row is reported with its line number", "[daemon][lists][errors]") {
    const std::string text =
        "list,person,name,valid_from,valid_until,note\n"
        "allow,E1,ok,,,\n"
        "maybe,E2,,,,\n"
        "allow,,,,,\n"
        "allow,E3,,someday,,\n"
        "allow,E4,,2026-12-01,2026-11-01,\n"
        "allow,E1,again,,,\n"
        "allow,E5,too,few\n"
        "deny,E1,also denied,,,\n";
    const auto parsed = parse_person_list_csv(text, kUtc);
    REQUIRE(parsed.errors.size() == 6);
    CHECK(parsed.errors[0].line == 3);
    CHECK_THAT(parsed.errors[0].message, Catch::Contains("'allow' or 'deny'"));
    CHECK(parsed.errors[1].line == 4);
    CHECK(parsed.errors[2].line == 5);
    CHECK_THAT(parsed.errors[2].message, Catch::Contains("valid_from 'someday'"));
    CHECK(parsed.errors[3].line == 6);
    CHECK_THAT(parsed.errors[3].message, Catch::Contains("after"));
    CHECK(parsed.errors[4].line == 7);
    CHECK_THAT(parsed.errors[4].message, Catch::Contains("twice"));
    CHECK(parsed.errors[5].line == 8);
    CHECK_THAT(parsed.errors[5].message, Catch::Contains("expected 6 fields, found 4"));
}

TEST_CASE("a bad header or an unterminated quote is refused as a whole", "[daemon][lists][errors]") {
    CHECK(parse_person_list_csv("", kUtc).errors.at(0).line == 1);
    CHECK_THAT(parse_person_list_csv("list,person\nallow,E1\n", kUtc).errors.at(0).message, Catch::Contains("'name'"));
    CHECK_THAT(parse_person_list_csv("list,person,name,valid_from,valid_until,note,extra\n", kUtc).errors.at(0).message,
               Catch::Contains("unknown or repeated"));
    const auto open_quote = parse_person_list_csv("list,person,name,valid_from,valid_until,note\nallow,E1,\"oops,,,\n", kUtc);
    REQUIRE(open_quote.errors.size() == 1);
    CHECK(open_quote.errors[0].line == 2);
    CHECK(open_quote.entries.empty());
}

TEST_CASE("export output parses back to the same entries", "[daemon][lists]") {
    const auto first = parse_person_list_csv(
        "list,person,name,valid_from,valid_until,note\nallow,E1,\"A, B\",2026-01-01,2026-02-01,\"x\"\"y\"\ndeny,E2,,,,n\n", kUtc);
    REQUIRE(first.errors.empty());
    const auto again = parse_person_list_csv(daemon::format_person_list_csv(first.entries), kUtc);
    REQUIRE(again.errors.empty());
    REQUIRE(again.entries.size() == 2);
    CHECK(again.entries[0].name == "A, B");
    CHECK(again.entries[0].note == "x\"y");
    CHECK(again.entries[0].valid_until_ms == first.entries[0].valid_until_ms);
    CHECK(again.entries[1].list == PersonListKind::deny);
}

TEST_CASE("list dates are local days of gateway.timezone: until 2026-06-30 ends at the end of that local day",
          "[daemon][lists][timezone]") {
    const auto shanghai = daemon::LocalTimeZone::find("Asia/Shanghai");
    REQUIRE(shanghai);
    const auto parsed = parse_person_list_csv("list,person,name,valid_from,valid_until,note\n"
                                              "allow,E1,张三,2026-06-01,2026-06-30,\n"
                                              "allow,E2,李四,,2026-06-30T12:00:00Z,\n",
                                              *shanghai);
    REQUIRE(parsed.errors.empty());
    // 2026-06-01 00:00 +08:00 is 2026-05-31T16:00Z; 2026-06-30 24:00 +08:00 is 2026-06-30T16:00Z.
    CHECK(parsed.entries[0].valid_from_ms == ipc::parse_utc_timestamp("2026-05-31T16:00:00Z"));
    CHECK(parsed.entries[0].valid_until_ms == *ipc::parse_utc_timestamp("2026-06-30T16:00:00Z") - 1);
    // An explicit UTC time means what it says, whatever the zone.
    CHECK(parsed.entries[1].valid_until_ms == ipc::parse_utc_timestamp("2026-06-30T12:00:00Z"));
}
