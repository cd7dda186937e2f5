#pragma once
// The gate's person lists: an allow list (白名单, optionally time-limited) and a deny list.
#include <cstdint>
#include <optional>
#include <string>

namespace gatehouse::storage {

/// Which list an entry belongs to.
enum class PersonListKind { allow, deny };

const char* to_string(PersonListKind kind);
std::optional<PersonListKind> parse_person_list_kind(const std::string& text);

/// One person on one list. Validity bounds apply to the allow list: outside them the entry does not admit.
struct PersonListEntry {
    PersonListKind list = PersonListKind::allow;
    std::string person;
    std::string name;
    std::optional<std::int64_t> valid_from_ms;   ///< UTC ms; unset = no lower bound.
    std::optional<std::int64_t> valid_until_ms;  ///< UTC ms, inclusive; unset = no upper bound.
    std::string note;                            ///< Free text (why denied, who approved).
};

}  // namespace gatehouse::storage
