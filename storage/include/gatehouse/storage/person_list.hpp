#pragma once
// The gate's person lists: an allow list (白名单, optionally time-limited) and a deny list.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

/// A versioned change of one list from the site's platform (docs/fleet-downlink.md): the whole list (`full`) or a
/// delta on top of version `base`. Applied in one transaction with the version it brings.
struct PersonListUpdate {
    PersonListKind list = PersonListKind::allow;
    std::int64_t version = 0;
    bool full = true;
    std::int64_t base = 0;                    ///< Delta only: the version it applies on.
    std::vector<PersonListEntry> upserts;     ///< Added or replaced entries (their `list` is `list`).
    std::vector<std::string> removals;        ///< Delta only: persons taken off the list.
};

/// What applying a versioned update did.
enum class DownlinkApply {
    applied,
    stale,  ///< Its version is not above the one held (an older or replayed update): nothing changed.
    gap,    ///< A delta whose base is not the version held (one was missed): nothing changed; a full update heals it.
};

/// The version of one centrally published subject ("allow", "deny", "policy") a gateway holds.
struct DownlinkVersion {
    std::string subject;
    std::int64_t version = 0;
    std::int64_t applied_ms = 0;
    std::string body;  ///< The policy's signed body; empty for the lists.
};

}  // namespace gatehouse::storage
