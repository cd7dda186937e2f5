// libFuzzer target: the CSV person-list importer (daemon/src/lists/person_list_csv.cpp) on arbitrary text.
// Checks what person_list_csv.hpp promises: no exception for bad content, every accepted entry valid, and
// what format_person_list_csv writes parses back to the same entries (export then import loses nothing).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_invariant.hpp"
#include "gatehouse/daemon/person_list_csv.hpp"

namespace {

using gatehouse::fuzz::require;
namespace daemon = gatehouse::daemon;
const auto kUtc = daemon::LocalTimeZone::utc();

bool same(const gatehouse::storage::PersonListEntry& a, const gatehouse::storage::PersonListEntry& b) {
    return a.list == b.list && a.person == b.person && a.name == b.name && a.note == b.note &&
           a.valid_from_ms == b.valid_from_ms && a.valid_until_ms == b.valid_until_ms;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const daemon::PersonListCsv parsed = daemon::parse_person_list_csv(text, kUtc);
    require(!text.empty() || !parsed.errors.empty(), "an empty file is an error");
    for (const auto& error : parsed.errors) {
        require(error.line >= 1 && !error.message.empty(), "every row error names its line and reason");
    }
    for (const auto& e : parsed.entries) {
        require(!e.person.empty() && e.person.size() <= 128, "person is 1 to 128 bytes");
        require(!e.valid_from_ms || !e.valid_until_ms || *e.valid_from_ms <= *e.valid_until_ms,
                "valid_from is not after valid_until");
    }
    if (!parsed.errors.empty()) return 0;

    const daemon::PersonListCsv again = daemon::parse_person_list_csv(daemon::format_person_list_csv(parsed.entries), kUtc);
    require(again.errors.empty(), "an exported list imports without errors");
    require(again.entries.size() == parsed.entries.size(), "an exported list imports every entry");
    for (std::size_t i = 0; i < again.entries.size(); ++i) {
        require(same(again.entries[i], parsed.entries[i]), "an exported entry imports unchanged");
    }
    return 0;
}
