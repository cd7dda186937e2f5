#include "json_reading.hpp"

#include <algorithm>
#include <cstdio>

namespace gatehouse::ipc::detail {

bool nests_deeper_than(std::string_view text, int limit) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return true;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return false;
}

json parse_untrusted(std::string_view frame) {
    if (nests_deeper_than(frame, kMaxNesting)) return json(json::value_t::discarded);
    return json::parse(frame.begin(), frame.end(), nullptr, /*allow_exceptions=*/false);
}

void refuse(ErrorCode code, std::string field, std::string message) {
    throw Refusal{{code, std::move(field), std::move(message), std::nullopt, std::nullopt}};
}

bool is_protocol_id(std::string_view id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.' || c == ':';
    });
}

const json* FieldReader::find(const char* key) const {
    const auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
}

std::string FieldReader::text(const char* key, std::size_t max_length) const {
    const json* v = find(key);
    if (!v) refuse(ErrorCode::missing_field, path(key), path(key) + " is required");
    return text_value(key, *v, max_length);
}

std::optional<std::string> FieldReader::optional_text(const char* key, std::size_t max_length) const {
    const json* v = find(key);
    if (!v) return std::nullopt;
    return text_value(key, *v, max_length);
}

std::string FieldReader::id(const char* key) const {
    std::string value = text(key, 64);
    if (!is_protocol_id(value)) {
        refuse(ErrorCode::invalid_field, path(key), path(key) + " may use only letters, digits and - _ . :");
    }
    return value;
}

std::string FieldReader::person(const char* key) const {
    std::string value = text(key, 128);
    if (std::any_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
        refuse(ErrorCode::invalid_field, path(key), path(key) + " must not contain control characters");
    }
    return value;
}

std::optional<std::string> FieldReader::optional_person(const char* key) const {
    if (!find(key)) return std::nullopt;
    return person(key);
}

std::int64_t FieldReader::positive_integer(const char* key) const {
    const json* v = find(key);
    if (!v) refuse(ErrorCode::missing_field, path(key), path(key) + " is required");
    const bool in_range = v->is_number_integer() &&
                          (v->is_number_unsigned() ? v->get<std::uint64_t>() <= INT64_MAX : v->get<std::int64_t>() >= 1);
    if (!in_range || v->get<std::int64_t>() < 1) {
        refuse(ErrorCode::invalid_field, path(key), path(key) + " must be an integer from 1 to 2^63-1");
    }
    return v->get<std::int64_t>();
}

double FieldReader::number_in(const char* key, double lo, double hi) const {
    const json* v = find(key);
    if (!v) refuse(ErrorCode::missing_field, path(key), path(key) + " is required");
    if (!v->is_number()) refuse(ErrorCode::invalid_field, path(key), path(key) + " must be a number");
    const double d = v->get<double>();
    if (!(d >= lo && d <= hi)) {
        char buf[96];
        std::snprintf(buf, sizeof buf, " must be between %.1f and %.1f", lo, hi);
        refuse(ErrorCode::invalid_field, path(key), path(key) + buf);
    }
    return d;
}

bool FieldReader::optional_bool(const char* key) const {
    const json* v = find(key);
    if (!v) return false;
    if (!v->is_boolean()) refuse(ErrorCode::invalid_field, path(key), path(key) + " must be true or false");
    return v->get<bool>();
}

std::string FieldReader::text_value(const char* key, const json& v, std::size_t max_length) const {
    if (!v.is_string()) refuse(ErrorCode::invalid_field, path(key), path(key) + " must be a string");
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty() || s.size() > max_length) {
        refuse(ErrorCode::invalid_field, path(key),
               path(key) + " must be 1 to " + std::to_string(max_length) + " bytes long");
    }
    if (s.find('\0') != std::string::npos) {
        refuse(ErrorCode::invalid_field, path(key), path(key) + " must not contain NUL (\\u0000)");
    }
    return s;
}

}  // namespace gatehouse::ipc::detail
