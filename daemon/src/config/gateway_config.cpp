#include "gatehouse/daemon/gateway_config.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace gatehouse::daemon {
namespace {

const std::set<std::string> kLogLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};

std::string location(const std::string& source, const toml::source_region& region) {
    return source + ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column);
}

// Reads the keys of one TOML table, remembering which were consumed so that unknown (misspelt) keys
// can be reported with their line instead of being silently ignored.
class TableReader {
public:
    TableReader(const toml::table& table, std::string source, std::string path)
        : table_(table), source_(std::move(source)), path_(std::move(path)) {}

    [[noreturn]] void fail(const toml::source_region& where, const std::string& key, const std::string& what) const {
        throw ConfigError(location(source_, where) + ": " + qualified(key) + ": " + what);
    }
    [[noreturn]] void fail_missing(const std::string& key) const {
        throw ConfigError(location(source_, table_.source()) + ": " + qualified(key) + ": required key is missing");
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

bool is_zmq_endpoint(const std::string& value) {
    return value.rfind("tcp://", 0) == 0 || value.rfind("ipc://", 0) == 0 || value.rfind("inproc://", 0) == 0;
}

std::string not_an_endpoint(const std::string& value) {
    return "'" + value + "' is not a ZeroMQ endpoint (tcp://HOST:PORT or ipc://PATH)";
}

void check_endpoint(TableReader& r, const toml::node* node, const std::string& key, const std::string& value) {
    if (!is_zmq_endpoint(value)) r.fail(node->source(), key, not_an_endpoint(value));
}

void validate_references(const GatewayConfig& c, const toml::array* terminal_nodes, TableReader& root) {
    std::set<std::string> gates;
    for (const auto& g : c.gates) gates.insert(g.id);
    std::set<std::string> terminals;
    for (std::size_t i = 0; i < c.terminals.size(); ++i) {
        const auto& t = c.terminals[i];
        const auto& where = (*terminal_nodes)[i].source();
        if (!terminals.insert(t.id).second) root.fail(where, "terminals.id", "duplicate terminal id '" + t.id + "'");
        if (!gates.count(t.gate)) {
            root.fail(where, "terminals.gate", "terminal '" + t.id + "' names gate '" + t.gate +
                                                   "', which is not defined in [[gates]]");
        }
    }
}

void read_policy(const toml::table& table, const std::string& source, GatePolicy& policy) {
    TableReader r(table, source, "gates.policy");
    r.boolean("require_temperature", policy.require_temperature);
    r.boolean("require_health_code", policy.require_health_code);
    r.boolean("require_list", policy.require_list);
    if (const toml::node* n = r.get("fever_threshold")) {
        if (!n->is_number()) r.fail(n->source(), "fever_threshold", "expected a number of °C");
        const double c = n->is_integer() ? static_cast<double>(n->as_integer()->get()) : n->as_floating_point()->get();
        if (c < 34.0 || c > 39.0) r.fail(n->source(), "fever_threshold", "must be between 34.0 and 39.0 °C");
        policy.fever_threshold = c;
    }
    std::string unavailable = policy.allow_when_unavailable ? "allow_and_alert" : "deny";
    r.one_of("on_check_unavailable", unavailable, {"deny", "allow_and_alert"});
    policy.allow_when_unavailable = unavailable == "allow_and_alert";
    r.reject_unknown();
}

GatewayConfig build(const toml::table& doc, const std::string& source) {
    GatewayConfig c;
    c.source = source;
    TableReader root(doc, source, "");

    if (const auto* t = root.subtable("gateway")) {
        TableReader r(*t, source, "gateway");
        r.text("id", c.gateway_id);
        r.text("site", c.site);
        r.reject_unknown();
    }
    if (const auto* t = root.subtable("listen")) {
        TableReader r(*t, source, "listen");
        r.text("terminals", c.terminal_endpoint);
        if (const auto* n = t->get("terminals")) check_endpoint(r, n, "terminals", c.terminal_endpoint);
        r.text("control", c.control_endpoint);
        if (const auto* n = t->get("control")) check_endpoint(r, n, "control", c.control_endpoint);
        r.reject_unknown();
    }
    if (const auto* t = root.subtable("limits")) {
        TableReader r(*t, source, "limits");
        r.integer("max_message_bytes", c.max_message_bytes, 256, 16 * 1024 * 1024);
        r.duration("heartbeat_interval_ms", c.heartbeat_interval, 100, 3'600'000);
        r.duration("heartbeat_timeout_ms", c.heartbeat_timeout, 200, 86'400'000);
        r.integer("seq_window", c.seq_window, 1, std::int64_t{1} << 40);
        if (c.heartbeat_timeout <= c.heartbeat_interval) {
            r.fail(t->source(), "heartbeat_timeout_ms", "must be longer than heartbeat_interval_ms");
        }
        r.reject_unknown();
    }
    if (const auto* t = root.subtable("ledger")) {
        TableReader r(*t, source, "ledger");
        std::string path;
        r.text("path", path);
        if (!path.empty()) c.ledger_path = path;
        r.duration("commit_window_us", c.commit_window, 0, 100'000);
        r.integer("max_batch", c.max_batch, 1, 100'000);
        if (r.get("max_size_mb")) {
            std::int64_t mb = 0;
            r.integer("max_size_mb", mb, 1, std::int64_t{1} << 30);
            c.ledger_max_size_mb = mb;
        }
        r.reject_unknown();
    }
    if (const auto* t = root.subtable("log")) {
        TableReader r(*t, source, "log");
        r.one_of("level", c.log_level, kLogLevels);
        r.reject_unknown();
    }
    if (const auto* t = root.subtable("metrics")) {
        TableReader r(*t, source, "metrics");
        if (const auto* n = r.get("listen")) {
            if (!n->is_string()) r.fail(n->source(), "listen", "expected a string HOST:PORT (empty disables)");
            c.metrics_listen = n->as_string()->get();
            if (!c.metrics_listen.empty() && c.metrics_listen.find(':') == std::string::npos) {
                r.fail(n->source(), "listen", "'" + c.metrics_listen + "' is not HOST:PORT");
            }
        }
        r.reject_unknown();
    }
    if (const auto* gates = root.array_of_tables("gates")) {
        std::set<std::string> ids;
        for (const auto& node : *gates) {
            TableReader r(*node.as_table(), source, "gates");
            GateConfig g;
            r.text("id", g.id, true);
            r.text("name", g.name);
            if (g.name.empty()) g.name = g.id;
            r.one_of("direction", g.direction, {"in", "out"});
            if (const auto* p = r.subtable("policy")) read_policy(*p, source, g.policy);
            r.reject_unknown();
            if (!ids.insert(g.id).second) r.fail(node.source(), "id", "duplicate gate id '" + g.id + "'");
            c.gates.push_back(std::move(g));
        }
    }
    const toml::array* terminal_nodes = root.array_of_tables("terminals");
    if (terminal_nodes) {
        for (const auto& node : *terminal_nodes) {
            TableReader r(*node.as_table(), source, "terminals");
            TerminalConfig term;
            r.text("id", term.id, true);
            r.text("gate", term.gate, true);
            r.text("kind", term.kind);
            if (term.kind.empty()) term.kind = "terminal";
            r.reject_unknown();
            c.terminals.push_back(std::move(term));
        }
        validate_references(c, terminal_nodes, root);
    }
    root.reject_unknown();
    return c;
}

}  // namespace

const TerminalConfig* GatewayConfig::find_terminal(const std::string& id) const {
    for (const auto& t : terminals) {
        if (t.id == id) return &t;
    }
    return nullptr;
}

const GateConfig* GatewayConfig::find_gate(const std::string& id) const {
    for (const auto& g : gates) {
        if (g.id == id) return &g;
    }
    return nullptr;
}

GatewayConfig parse_config(std::string_view text, const std::string& source_name) {
    toml::table doc;
    try {
        doc = toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        throw ConfigError(location(source_name, e.source()) + ": " + std::string(e.description()));
    }
    return build(doc, source_name);
}

GatewayConfig load_config_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path.string() + ": cannot read configuration file");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), path.string());
}

void apply_overrides(GatewayConfig& c, const ConfigOverrides& o) {
    auto endpoint = [](const std::string& option, const std::string& value) {
        if (!is_zmq_endpoint(value)) throw ConfigError(option + ": " + not_an_endpoint(value));
        return value;
    };
    if (o.terminal_endpoint) c.terminal_endpoint = endpoint("--listen", *o.terminal_endpoint);
    if (o.control_endpoint) c.control_endpoint = endpoint("--control", *o.control_endpoint);
    if (o.ledger_path) c.ledger_path = *o.ledger_path;
    if (o.log_level) {
        if (!kLogLevels.count(*o.log_level)) throw ConfigError("--log-level: '" + *o.log_level + "' is not a level");
        c.log_level = *o.log_level;
    }
}

}  // namespace gatehouse::daemon
