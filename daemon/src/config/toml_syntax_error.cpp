#include "config/toml_syntax_error.hpp"

#include <array>
#include <utility>
#include <vector>

#include "config/toml_table_reader.hpp"

namespace gatehouse::daemon {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (true) {
        const auto end = text.find('\n');
        lines.push_back(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

// What a key's unit suffix says its value is; empty when the name tells nothing.
std::string expected_for(std::string_view key) {
    static const std::array<std::pair<std::string_view, std::string_view>, 8> units = {{
        {"_days", "an integer number of days, e.g. 14 (no unit letters)"},
        {"_ms", "an integer number of milliseconds, e.g. 5000 (no unit letters)"},
        {"_us", "an integer number of microseconds (no unit letters)"},
        {"_s", "an integer number of seconds (no unit letters)"},
        {"_mb", "an integer number of megabytes (no unit letters)"},
        {"_bytes", "an integer number of bytes (no unit letters)"},
        {"_file", "a quoted path, e.g. \"/etc/gatehouse/server.key\""},
        {"_c", "a number of degrees Celsius, e.g. 37.3"},
    }};
    for (const auto& [suffix, what] : units) {
        if (key.size() > suffix.size() && key.substr(key.size() - suffix.size()) == suffix) return std::string(what);
    }
    return {};
}

}  // namespace

std::string describe_toml_syntax_error(std::string_view text, const std::string& source, const toml::parse_error& error) {
    const std::string where = toml_location(source, error.source());
    const std::string detail(error.description());
    const auto lines = lines_of(text);
    const auto line_no = static_cast<std::size_t>(error.source().begin.line);
    if (line_no == 0 || line_no > lines.size()) return where + ": " + detail;
    const std::string_view line = trim(lines[line_no - 1]);
    const auto equals = line.find('=');
    if (equals == std::string_view::npos || line.front() == '[' || line.front() == '#') return where + ": " + detail;
    std::string key(trim(line.substr(0, equals)));
    // The table the key is in: the nearest header above it ([retention], [[gates]], [gates.policy]).
    for (std::size_t i = line_no - 1; i-- > 0;) {
        const std::string_view header = trim(lines[i]);
        if (header.empty() || header.front() != '[') continue;
        const auto open = header.find_first_not_of('[');
        const auto close = header.find(']');
        if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
            key = std::string(trim(header.substr(open, close - open))) + "." + key;
        }
        break;
    }
    const std::string expected = expected_for(key);
    return where + ": " + key + ": not a valid value" + (expected.empty() ? "" : "; expected " + expected) +
           " (TOML: " + detail + ")";
}

}  // namespace gatehouse::daemon
