#pragma once
// Strict reading of one TOML table: typed getters with range checks, errors as "FILE:LINE:COLUMN: key: what",
// and unknown keys refused. Private to the daemon's configuration parsers.
#include <cstdint>
#include <set>
#include <string>

#include <toml++/toml.h>

#include "gatehouse/daemon/gateway_config.hpp"

namespace gatehouse::daemon {

/// "FILE:LINE:COLUMN" of a TOML node, for error messages.
inline std::string toml_location(const std::string& source, const toml::source_region& region) {
    return source + ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column);
}

/// Reads the keys of one TOML table, remembering which were consumed so that unknown (misspelt) keys
/// can be reported with their line instead of being silently ignored.
class TableReader {
public:
    TableReader(const toml::table& table, std::string source, std::string path)
        : table_(table), source_(std::move(source)), path_(std::move(path)) {}

    [[noreturn]] void fail(const toml::source_region& where, const std::string& key, const std::string& what) const {
        throw ConfigError(toml_location(source_, where) + ": " + qualified(key) + ": " + what);
    }
    [[noreturn]] void fail_missing(const std::string& key) const {
        throw ConfigError(toml_location(source_, table_.source()) + ": " + qualified(key) + ": required key is missing");
    }

    const toml::node* get(const std::string& key) {
        seen_.insert(key);
        return table_.get(key);
    }

    void text(const std::string& key, std::string& out, bool required = false) {
        const toml::node* n = get(key);
        if (!n) {
            if (required) fail_missing(key);
            return;
        }
        if (!n->is_string()) fail(n->source(), key, "expected a string");
        out = n->as_string()->get();
        if (out.empty()) fail(n->source(), key, "must not be empty");
    }
    void one_of(const std::string& key, std::string& out, const std::set<std::string>& allowed) {
        const toml::node* n = get(key);
        text(key, out);
        if (n && !allowed.count(out)) {
            std::string list;
            for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
            fail(n->source(), key, "'" + out + "' is not one of " + list);
        }
    }
    void boolean(const std::string& key, bool& out) {
        const toml::node* n = get(key);
        if (!n) return;
        if (!n->is_boolean()) fail(n->source(), key, "expected true or false");
        out = n->as_boolean()->get();
    }
    template <typename Int>
    void integer(const std::string& key, Int& out, std::int64_t lo, std::int64_t hi) {
        const toml::node* n = get(key);
        if (!n) return;
        if (!n->is_integer()) fail(n->source(), key, "expected an integer");
        const std::int64_t v = n->as_integer()->get();
        if (v < lo || v > hi) {
            fail(n->source(), key, std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " +
                                       std::to_string(hi) + "]");
        }
        out = static_cast<Int>(v);
    }
    template <typename Duration>
    void duration(const std::string& key, Duration& out, std::int64_t lo, std::int64_t hi) {
        std::int64_t v = out.count();
        integer(key, v, lo, hi);
        out = Duration{v};
    }
    const toml::table* subtable(const std::string& key) {
        const toml::node* n = get(key);
        if (!n) return nullptr;
        if (!n->is_table()) fail(n->source(), key, "expected a table [" + qualified(key) + "]");
        return n->as_table();
    }
    const toml::array* array_of_tables(const std::string& key) {
        const toml::node* n = get(key);
        if (!n) return nullptr;
        if (!n->is_array_of_tables()) fail(n->source(), key, "expected an array of tables [[" + key + "]]");
        return n->as_array();
    }

    /// Refuses keys nobody asked for (typos such as `ledgr` or `comit_window_us`).
    void reject_unknown() const {
        for (auto&& [key, node] : table_) {
            const std::string name(key.str());
            if (!seen_.count(name)) fail(key.source(), name, "unknown key");
        }
    }
    const std::string& source() const { return source_; }

private:
    std::string qualified(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

    const toml::table& table_;
    std::string source_;
    std::string path_;
    std::set<std::string> seen_;
};

}  // namespace gatehouse::daemon
