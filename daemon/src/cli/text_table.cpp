#include "text_table.hpp"

#include <cstdint>
#include <cstdlib>

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <unistd.h>

namespace gatehouse::daemon::cli {
namespace {

/// Columns one code point takes on a terminal (as wcwidth does, without depending on the process's locale):
/// 2 for East Asian wide and fullwidth characters (张三), 0 for combining marks and format characters, else 1.
std::size_t code_point_width(UChar32 c) {
    const auto category = static_cast<UCharCategory>(u_charType(c));
    if (category == U_NON_SPACING_MARK || category == U_ENCLOSING_MARK || category == U_FORMAT_CHAR) return 0;
    const auto east_asian = static_cast<UEastAsianWidth>(u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH));
    return east_asian == U_EA_WIDE || east_asian == U_EA_FULLWIDTH ? 2 : 1;
}

}  // namespace

std::size_t display_width(const std::string& s) {
    std::size_t width = 0;
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(s.data());
    const auto length = static_cast<std::int32_t>(s.size());
    std::int32_t i = 0;
    while (i < length) {
        if (bytes[i] == '\033') {  // an ANSI colour sequence takes no column
            while (i < length && bytes[i] != 'm') ++i;
            ++i;
            continue;
        }
        UChar32 c = 0;
        U8_NEXT(bytes, i, length, c);
        width += c < 0 ? 1 : code_point_width(c);  // a malformed byte shows as one replacement character
    }
    return width;
}

std::string local_time_cell(std::int64_t utc_ms, const LocalTimeZone& zone) {
    return zone.format(utc_ms, "%Y-%m-%d %H:%M:%S %z");
}

std::string local_time_header(const LocalTimeZone& zone) { return "TIME (" + zone.name() + ")"; }

Style::Style(std::FILE* stream) : enabled_(isatty(fileno(stream)) && std::getenv("NO_COLOR") == nullptr) {}

std::string Style::wrap(const char* code, const std::string& s) const {
    return enabled_ ? "\033[" + std::string(code) + "m" + s + "\033[0m" : s;
}

void TextTable::print(std::ostream& out, const Style& style) const {
    std::vector<std::size_t> widths(headers_.size());
    for (std::size_t c = 0; c < headers_.size(); ++c) widths[c] = display_width(headers_[c]);
    for (const auto& row : rows_) {
        for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) {
            widths[c] = std::max(widths[c], display_width(row[c]));
        }
    }
    auto line = [&](const std::vector<std::string>& cells, bool header) {
        for (std::size_t c = 0; c < widths.size(); ++c) {
            const std::string cell = c < cells.size() ? cells[c] : "";
            out << (header ? style.bold(cell) : cell);
            if (c + 1 < widths.size()) out << std::string(widths[c] - display_width(cell) + 2, ' ');
        }
        out << '\n';
    };
    line(headers_, true);
    for (const auto& row : rows_) line(row, false);
}

}  // namespace gatehouse::daemon::cli
