#pragma once
// Writing JSON text directly from typed values: how every message and record body is encoded once on its way out.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::ipc {

/// Appends `text` to `out` as a JSON string literal: quotes, backslashes and control characters escaped, and any
/// byte sequence that is not UTF-8 replaced by U+FFFD, so the result is always valid JSON.
void append_json_string(std::string& out, std::string_view text);
/// Appends a number as JSON: the shortest text that reads back as the same double; NaN and infinities (which JSON
/// cannot hold) as null.
void append_json_number(std::string& out, double value);

/// A JSON array of strings, e.g. a decision's reasons.
std::string encode_json_text_array(const std::vector<std::string>& values);

/// Builds one JSON object, member by member in the order written. `raw` splices a value that is already JSON text
/// (a record's stored data, an array encoded earlier), so nothing is parsed to be written again.
/// Thread-safety: none; a value type.
class JsonObjectWriter {
public:
    JsonObjectWriter() { out_.push_back('{'); }

    JsonObjectWriter& text(std::string_view name, std::string_view value);
    JsonObjectWriter& integer(std::string_view name, std::int64_t value);
    JsonObjectWriter& number(std::string_view name, double value);
    JsonObjectWriter& boolean(std::string_view name, bool value);
    JsonObjectWriter& null(std::string_view name);
    /// `json` must be one complete JSON value.
    JsonObjectWriter& raw(std::string_view name, std::string_view json);
    JsonObjectWriter& text_array(std::string_view name, const std::vector<std::string>& values);

    /// The value, or null when unset.
    JsonObjectWriter& optional_text(std::string_view name, const std::optional<std::string>& value);
    JsonObjectWriter& optional_integer(std::string_view name, const std::optional<std::int64_t>& value);
    JsonObjectWriter& optional_number(std::string_view name, const std::optional<double>& value);

    /// The finished object's text (the writer is spent afterwards).
    std::string finish();

private:
    void name(std::string_view name);

    std::string out_;
    bool first_ = true;
};

}  // namespace gatehouse::ipc
