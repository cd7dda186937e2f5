#include "gatehouse/ipc/json_writer.hpp"

#include <charconv>
#include <cmath>

namespace gatehouse::ipc {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when it is not one (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    const std::size_t left = text.size() - i;
    const auto continuation = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
        return k < text.size() && byte(k) >= lo && byte(k) <= hi;
    };
    if (lead >= 0xC2 && lead <= 0xDF) return left >= 2 && continuation(i + 1) ? 2 : 0;
    if (lead >= 0xE0 && lead <= 0xEF) {
        const unsigned char lo = lead == 0xE0 ? 0xA0 : 0x80;
        const unsigned char hi = lead == 0xED ? 0x9F : 0xBF;
        return left >= 3 && continuation(i + 1, lo, hi) && continuation(i + 2) ? 3 : 0;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        const unsigned char lo = lead == 0xF0 ? 0x90 : 0x80;
        const unsigned char hi = lead == 0xF4 ? 0x8F : 0xBF;
        return left >= 4 && continuation(i + 1, lo, hi) && continuation(i + 2) && continuation(i + 3) ? 4 : 0;
    }
    return 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            const std::size_t n = utf8_sequence_length(text, i);
            if (n == 0) {
                out += kReplacementCharacter;
                ++i;
            } else {
                out.append(text.substr(i, n));
                i += n;
            }
            continue;
        }
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out.push_back(kHex[c >> 4]);
                    out.push_back(kHex[c & 0xF]);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
        ++i;
    }
    out.push_back('"');
}

void append_json_number(std::string& out, double value) {
    if (!std::isfinite(value)) {
        out += "null";
        return;
    }
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    if (ec != std::errc()) {
        out += "null";
        return;
    }
    const std::string_view digits(buf, static_cast<std::size_t>(end - buf));
    out += digits;
    // "37" would read back as an integer; keep a number written as a number ("37.0").
    if (digits.find_first_of(".eEn") == std::string_view::npos) out += ".0";
}

std::string encode_json_text_array(const std::vector<std::string>& values) {
    std::string out = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out.push_back(',');
        append_json_string(out, values[i]);
    }
    out.push_back(']');
    return out;
}

void JsonObjectWriter::name(std::string_view name) {
    if (!first_) out_.push_back(',');
    first_ = false;
    append_json_string(out_, name);
    out_.push_back(':');
}

JsonObjectWriter& JsonObjectWriter::text(std::string_view n, std::string_view value) {
    name(n);
    append_json_string(out_, value);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::integer(std::string_view n, std::int64_t value) {
    name(n);
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    (void)ec;  // 24 bytes always hold an int64
    out_.append(buf, end);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::number(std::string_view n, double value) {
    name(n);
    append_json_number(out_, value);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::boolean(std::string_view n, bool value) {
    name(n);
    out_ += value ? "true" : "false";
    return *this;
}

JsonObjectWriter& JsonObjectWriter::null(std::string_view n) {
    name(n);
    out_ += "null";
    return *this;
}

JsonObjectWriter& JsonObjectWriter::raw(std::string_view n, std::string_view json) {
    name(n);
    out_ += json;
    return *this;
}

JsonObjectWriter& JsonObjectWriter::text_array(std::string_view n, const std::vector<std::string>& values) {
    name(n);
    out_ += encode_json_text_array(values);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::optional_text(std::string_view n, const std::optional<std::string>& value) {
    return value ? text(n, *value) : null(n);
}

JsonObjectWriter& JsonObjectWriter::optional_integer(std::string_view n, const std::optional<std::int64_t>& value) {
    return value ? integer(n, *value) : null(n);
}

JsonObjectWriter& JsonObjectWriter::optional_number(std::string_view n, const std::optional<double>& value) {
    return value ? number(n, *value) : null(n);
}

std::string JsonObjectWriter::finish() {
    out_.push_back('}');
    return std::move(out_);
}

}  // namespace gatehouse::ipc
