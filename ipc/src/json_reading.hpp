#pragma once
// Reading untrusted JSON into typed values (private to ipc/): every read checks the JSON type first, so no default
// of nlohmann's can throw on the wrong type; a wrong value unwinds as a Refusal that the decoder turns into a value.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gatehouse/ipc/terminal_messages.hpp"

namespace gatehouse::ipc::detail {

using nlohmann::json;

/// Deepest nesting of arrays and objects a frame may have. Parsing is iterative, but writing a value back (an
/// unknown data member kept as sent) and destroying it recurse: a frame of 60,000 '[' would overflow the stack.
inline constexpr int kMaxNesting = 32;

/// Whether `text` nests arrays and objects deeper than `limit` (strings are skipped; the text need not be valid).
bool nests_deeper_than(std::string_view text, int limit);

/// Parses `frame` without exceptions; discarded (is_discarded()) when it is not UTF-8 JSON or nests too deep.
json parse_untrusted(std::string_view frame);

// Thrown only inside ipc/ to unwind nested validation; each decoder catches it and returns its error as a value.
struct Refusal {
    ProtocolError error;
};

[[noreturn]] void refuse(ErrorCode code, std::string field, std::string message);

/// Reads typed fields of one JSON object, naming the full path of the field in every refusal. A member that is
/// null reads as absent.
class FieldReader {
public:
    FieldReader(const json& object, std::string prefix) : object_(object), prefix_(std::move(prefix)) {}

    /// The member, or nullptr when absent or null.
    const json* find(const char* key) const;
    std::string path(const char* key) const { return prefix_ + key; }

    /// A string of 1 to `max_length` bytes without NUL; refused as missing when absent.
    std::string text(const char* key, std::size_t max_length) const;
    std::optional<std::string> optional_text(const char* key, std::size_t max_length) const;
    /// An id: 1–64 characters of A–Z a–z 0–9 - _ . :
    std::string id(const char* key) const;
    /// A person id: 1–128 bytes, no control characters.
    std::string person(const char* key) const;
    std::optional<std::string> optional_person(const char* key) const;
    /// One of `names` (the enum's values in order); refused otherwise.
    template <typename Enum>
    Enum choice(const char* key, std::initializer_list<std::pair<const char*, Enum>> names) const {
        const std::string value = text(key, 64);
        for (const auto& [name, e] : names) {
            if (value == name) return e;
        }
        std::string list;
        for (const auto& [name, e] : names) list += (list.empty() ? "" : ", ") + std::string(name);
        refuse(ErrorCode::invalid_field, path(key), path(key) + " must be one of " + list);
    }
    std::int64_t positive_integer(const char* key) const;
    double number_in(const char* key, double lo, double hi) const;
    bool optional_bool(const char* key) const;

private:
    std::string text_value(const char* key, const json& v, std::size_t max_length) const;

    const json& object_;
    std::string prefix_;
};

/// Whether `id` is a protocol id (1–64 characters of A–Z a–z 0–9 - _ . :).
bool is_protocol_id(std::string_view id);

}  // namespace gatehouse::ipc::detail
