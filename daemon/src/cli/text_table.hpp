#pragma once
// Aligned text tables and ANSI colour for the admin CLI; colour only when writing to a terminal.
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "gatehouse/daemon/local_time_zone.hpp"

namespace gatehouse::daemon::cli {

/// ANSI styling that turns itself off when the stream is not a TTY (or NO_COLOR is set).
class Style {
public:
    explicit Style(std::FILE* stream);
    std::string bold(const std::string& s) const { return wrap("1", s); }
    std::string dim(const std::string& s) const { return wrap("2", s); }
    std::string red(const std::string& s) const { return wrap("31", s); }
    std::string green(const std::string& s) const { return wrap("32", s); }
    std::string yellow(const std::string& s) const { return wrap("33", s); }
    std::string cyan(const std::string& s) const { return wrap("36", s); }
    bool enabled() const { return enabled_; }

private:
    std::string wrap(const char* code, const std::string& s) const;
    bool enabled_;
};

/// Terminal columns of `s`: East Asian wide characters (张三) count two, combining marks none, ANSI colour
/// sequences none.
std::size_t display_width(const std::string& s);

/// A time cell of a human-facing table: local time of `zone` with its offset, "2026-11-22 08:00:01 +0800". The
/// ledger, --json and CSV keep UTC.
std::string local_time_cell(std::int64_t utc_ms, const LocalTimeZone& zone);
/// The header of such a column: "TIME (Asia/Shanghai)".
std::string local_time_header(const LocalTimeZone& zone);

/// Collects rows, then prints them with each column as wide as its widest cell (escape codes not counted).
class TextTable {
public:
    explicit TextTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}
    void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
    void print(std::ostream& out, const Style& style) const;
    std::size_t size() const { return rows_.size(); }

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace gatehouse::daemon::cli
