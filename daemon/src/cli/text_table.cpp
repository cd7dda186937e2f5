#include "text_table.hpp"

#include <cstdlib>

#include <unistd.h>

namespace gatehouse::daemon::cli {
namespace {

// Display width: skips ANSI escape sequences and counts UTF-8 code points, not bytes.
std::size_t display_width(const std::string& s) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\033') {
            while (i < s.size() && s[i] != 'm') ++i;
            continue;
        }
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) ++width;
    }
    return width;
}

}  // namespace

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
