#pragma once
// Aligned text tables and ANSI colour for the admin CLI; colour only when writing to a terminal.
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

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
