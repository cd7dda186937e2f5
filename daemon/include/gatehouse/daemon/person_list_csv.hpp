#pragma once
// CSV form of the person lists, for `gatehouse lists import|export`.
//
//   list,person,name,valid_from,valid_until,note
//   allow,E1001,Zhang Wei,2026-11-01,2026-12-31,returning employee
//   deny,V0042,,,,"banned: tailgating, twice"
//
// RFC 4180 quoting; times are dates of the campus's time zone (gateway.timezone: valid_until 2026-06-30 covers that
// whole LOCAL day) or RFC 3339 UTC times.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gatehouse/daemon/local_time_zone.hpp"
#include "gatehouse/storage/person_list.hpp"

namespace gatehouse::daemon {

/// One rejected row, by the line it starts on (1-based, the header is line 1).
struct CsvRowError {
    std::size_t line = 0;
    std::string message;
};

/// Parsed file: the entries, or the reasons it cannot be imported. Callers import only when errors is empty.
struct PersonListCsv {
    std::vector<storage::PersonListEntry> entries;
    std::vector<CsvRowError> errors;
};

/// Parses and validates the whole text; never throws for bad content (errors are collected per row). A date is a
/// local day of `zone`: valid_from its first instant, valid_until its last.
PersonListCsv parse_person_list_csv(std::string_view text, const LocalTimeZone& zone);
/// Writes entries in the same format (with the header), readable by parse_person_list_csv.
std::string format_person_list_csv(const std::vector<storage::PersonListEntry>& entries);

}  // namespace gatehouse::daemon
