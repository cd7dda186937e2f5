#include "gatehouse/daemon/gateway_config.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "config/toml_syntax_error.hpp"
#include "config/toml_table_reader.hpp"
#include "gatehouse/ipc/curve_keys.hpp"

namespace gatehouse::daemon {
namespace {

const std::set<std::string> kLogLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};

bool is_zmq_endpoint(const std::string& value) {
    return value.rfind("tcp://", 0) == 0 || value.rfind("ipc://", 0) == 0 || value.rfind("inproc://", 0) == 0;
}

std::string not_an_endpoint(const std::string& value) {
    return "'" + value + "' is not a ZeroMQ endpoint (tcp://HOST:PORT or ipc://PATH)";
}

// "08:00" → 480.
std::optional<int> parse_clock_time(const std::string& text) {
    if (text.size() != 5 || text[2] != ':') return std::nullopt;
    for (std::size_t i : {0u, 1u, 3u, 4u}) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
    }
    const int hours = (text[0] - '0') * 10 + (text[1] - '0');
    const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
    if (hours > 23 || minutes > 59) return std::nullopt;
    return hours * 60 + minutes;
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

std::string read_public_key(TableReader& r, bool required) {
    std::string key;
    r.text("public_key", key, required);
    if (const auto* n = r.get("public_key"); n && !ipc::is_z85_key(key)) {
        r.fail(n->source(), "public_key",
               "not a Z85 CURVE public key (40 characters, as in the .pub file `gatehouse keygen` writes)");
    }
    return key;
}

// Within one socket a key names exactly one client: the ZAP handler maps it to a single user id.
void check_unique_key(TableReader& r, std::set<std::string>& keys, const std::string& key, const std::string& who) {
    if (!key.empty() && !keys.insert(key).second) {
        r.fail(r.get("public_key")->source(), "public_key", "the same key is already listed for another " + who);
    }
}

void read_security(TableReader& r, GatewayConfig& c) {
    std::string key_file;
    r.text("secret_key_file", key_file);
    if (!key_file.empty()) c.security.secret_key_file = key_file;
    r.boolean("insecure_plaintext", c.security.insecure_plaintext);
    if (c.security.insecure_plaintext && c.security.secret_key_file) {
        r.fail(r.get("insecure_plaintext")->source(), "insecure_plaintext",
               "contradicts secret_key_file: choose CURVE (secret_key_file) or plaintext, not both");
    }
    r.reject_unknown();
}

void read_consoles(const toml::array& nodes, const std::string& source, GatewayConfig& c) {
    std::set<std::string> ids, keys;
    for (const auto& node : nodes) {
        TableReader r(*node.as_table(), source, "consoles");
        ConsoleClientConfig console;
        r.text("id", console.id, true);
        console.public_key = read_public_key(r, true);
        const toml::node* topics = r.get("topics");
        if (!topics) r.fail_missing("topics");
        if (!topics->is_array() || topics->as_array()->empty()) {
            r.fail(topics->source(), "topics", "expected a non-empty array of topic prefixes, e.g. [\"alert.\"]");
        }
        for (const auto& t : *topics->as_array()) {
            if (!t.is_string()) r.fail(t.source(), "topics", "each topic prefix must be a string (\"\" is everything)");
            console.topics.push_back(t.as_string()->get());
        }
        r.reject_unknown();
        if (!ids.insert(console.id).second) r.fail(node.source(), "id", "duplicate console id '" + console.id + "'");
        check_unique_key(r, keys, console.public_key, "console");
        c.console_clients.push_back(std::move(console));
    }
}

void read_admins(const toml::array& nodes, const std::string& source, GatewayConfig& c) {
    std::set<std::string> ids, keys;
    for (const auto& node : nodes) {
        TableReader r(*node.as_table(), source, "admins");
        AdminClientConfig admin;
        r.text("id", admin.id, true);
        admin.public_key = read_public_key(r, true);
        r.reject_unknown();
        if (!ids.insert(admin.id).second) r.fail(node.source(), "id", "duplicate admin id '" + admin.id + "'");
        check_unique_key(r, keys, admin.public_key, "admin");
        c.admins.push_back(std::move(admin));
    }
}

// Client keys are useless, and a sign of a half-done set-up, without the server key that makes sockets CURVE.
void validate_security(const GatewayConfig& c, const toml::table& doc, TableReader& root) {
    if (c.security.curve()) return;
    auto refuse = [&](const toml::source_region& where, const std::string& key) {
        root.fail(where, key, "client keys are listed but [security].secret_key_file is not set, so no socket uses CURVE");
    };
    if (!c.console_clients.empty()) refuse(doc.get("consoles")->source(), "consoles");
    if (!c.admins.empty()) refuse(doc.get("admins")->source(), "admins");
    const toml::array* terminals = doc.get("terminals") ? doc.get("terminals")->as_array() : nullptr;
    for (std::size_t i = 0; i < c.terminals.size(); ++i) {
        if (!c.terminals[i].public_key.empty()) refuse((*terminals)[i].source(), "terminals.public_key");
    }
}

double read_celsius(TableReader& r, const std::string& key, double lo, double hi) {
    const toml::node* n = r.get(key);
    if (!n->is_number()) r.fail(n->source(), key, "expected a number of °C");
    const double c = n->is_integer() ? static_cast<double>(n->as_integer()->get()) : n->as_floating_point()->get();
    if (!(c >= lo && c <= hi)) {  // so that TOML's nan fails too
        r.fail(n->source(), key, fmt::format("must be between {:.1f} and {:.1f} °C", lo, hi));
    }
    return c;
}

double read_number(TableReader& r, const std::string& key) {
    const toml::node* n = r.get(key);
    if (!n->is_number()) r.fail(n->source(), key, "expected a number");
    const double v = n->is_integer() ? static_cast<double>(n->as_integer()->get()) : n->as_floating_point()->get();
    if (!std::isfinite(v)) r.fail(n->source(), key, "expected a finite number (not nan or inf)");
    return v;
}

void read_policy(const toml::table& table, const std::string& source, GatePolicy& policy) {
    TableReader r(table, source, "gates.policy");
    r.boolean("require_temperature", policy.require_temperature);
    r.boolean("require_health_code", policy.require_health_code);
    r.boolean("require_list", policy.require_list);
    if (r.get("fever_threshold")) policy.fever_threshold = read_celsius(r, "fever_threshold", 34.0, 39.0);
    std::string unavailable = policy.allow_when_unavailable ? "allow_and_alert" : "deny";
    r.one_of("on_check_unavailable", unavailable, {"deny", "allow_and_alert"});
    policy.allow_when_unavailable = unavailable == "allow_and_alert";
    r.duration("fusion_window_ms", policy.fusion_window, 100, 60'000);
    r.reject_unknown();
}

// Cameras name their gate; each gate has at most one camera. Sources are checked for form here and opened by
// the camera's thread (a camera that is missing at start is a fault to retry, not a reason to refuse start-up).
void read_cameras(const toml::array& cameras, const std::string& source, GatewayConfig& c) {
    std::set<std::string> ids;
    for (const auto& node : cameras) {
        TableReader r(*node.as_table(), source, "cameras");
        CameraConfig cam;
        r.text("id", cam.id, true);
        r.text("gate", cam.gate, true);
        r.text("source", cam.source, true);
        const auto* source_node = r.get("source");
        const auto colon = cam.source.find(':');
        const std::string scheme = colon == std::string::npos ? "" : cam.source.substr(0, colon);
        if (scheme != "v4l2" && scheme != "dir" && scheme != "cptv" && scheme != "synthetic") {
            r.fail(source_node->source(), "source",
                   "'" + cam.source + "' is not v4l2:/dev/videoN, dir:PATH, cptv:FILE or synthetic:NAME|FILE");
        }
        if (r.get("fps")) {
            const double fps = read_number(r, "fps");
            if (!(fps > 0 && fps <= 1000)) r.fail(r.get("fps")->source(), "fps", "must be between 0 and 1000");
            cam.fps = fps;
        }
        r.boolean("loop", cam.loop);
        r.boolean("realtime", cam.realtime);
        r.one_of("units", cam.units, {"centikelvin", "linear"});
        if (r.get("gain")) cam.gain = read_number(r, "gain");
        if (r.get("offset")) cam.offset = read_number(r, "offset");
        r.integer("rotate", cam.rotate, 0, 270);
        if (cam.rotate % 90 != 0) r.fail(r.get("rotate")->source(), "rotate", "must be 0, 90, 180 or 270");
        r.boolean("mirror", cam.mirror);
        r.text("reference", cam.reference);
        if (r.get("threshold")) cam.threshold = read_celsius(r, "threshold", 34.0, 39.0);
        if (r.get("body_offset")) cam.body_offset = read_celsius(r, "body_offset", -3.0, 3.0);
        r.boolean("adaptive", cam.adaptive);
        std::string snapshots;
        r.text("snapshot_dir", snapshots);
        if (!snapshots.empty()) cam.snapshot_dir = snapshots;
        r.duration("stall_timeout_ms", cam.stall_timeout, 200, 600'000);
        r.duration("max_backoff_ms", cam.max_backoff, 100, 3'600'000);
        r.reject_unknown();
        if (!ids.insert(cam.id).second) r.fail(node.source(), "id", "duplicate camera id '" + cam.id + "'");
        GateConfig* gate = nullptr;
        for (auto& g : c.gates) {
            if (g.id == cam.gate) gate = &g;
        }
        if (!gate) {
            r.fail(node.source(), "gate", "camera '" + cam.id + "' names gate '" + cam.gate + "', which is not defined in [[gates]]");
        }
        if (gate->camera) {
            r.fail(node.source(), "gate", "gate '" + cam.gate + "' already has camera '" + *gate->camera + "'");
        }
        gate->camera = cam.id;
        c.cameras.push_back(std::move(cam));
    }
}

GatewayConfig build(const toml::table& doc, const std::string& source) {
    GatewayConfig c;
    c.source = source;
    TableReader root(doc, source, "");

    if (const auto* t = root.subtable("gateway")) {
        TableReader r(*t, source, "gateway");
        r.text("id", c.gateway_id);
        r.text("site", c.site);
        r.text("timezone", c.timezone);
        if (!c.timezone.empty() && !LocalTimeZone::find(c.timezone)) {
            r.fail(r.get("timezone")->source(), "timezone",
                   "'" + c.timezone + "' is not a time zone in the system's database (an IANA name such as "
                   "\"Asia/Shanghai\"; see /usr/share/zoneinfo, package tzdata)");
        }
        r.reject_unknown();
    }
    if (const auto* t = root.subtable("listen")) {
        TableReader r(*t, source, "listen");
        r.text("terminals", c.terminal_endpoint);
        if (const auto* n = t->get("terminals")) check_endpoint(r, n, "terminals", c.terminal_endpoint);
        r.text("control", c.control_endpoint);
        if (const auto* n = t->get("control")) check_endpoint(r, n, "control", c.control_endpoint);
        if (const auto* n = r.get("consoles")) {
            if (!n->is_string()) r.fail(n->source(), "consoles", "expected a string endpoint (empty disables)");
            c.console_endpoint = n->as_string()->get();
            if (!c.console_endpoint.empty()) check_endpoint(r, n, "consoles", c.console_endpoint);
        }
        r.reject_unknown();
    }
    if (const auto* t = root.subtable("limits")) {
        TableReader r(*t, source, "limits");
        r.integer("max_message_bytes", c.max_message_bytes, 256, 16 * 1024 * 1024);
        r.duration("heartbeat_interval_ms", c.heartbeat_interval, 100, 3'600'000);
        r.duration("heartbeat_timeout_ms", c.heartbeat_timeout, 200, 86'400'000);
        r.integer("seq_window", c.seq_window, 1, std::int64_t{1} << 40);
        r.integer("console_queue", c.console_queue, 10, 10'000'000);
        if (r.get("terminal_rate")) {
            c.terminal_rate = read_number(r, "terminal_rate");
            if (c.terminal_rate < 0 || c.terminal_rate > 1e7) {
                r.fail(r.get("terminal_rate")->source(), "terminal_rate", "must be between 0 (no limit) and 10000000 messages/s");
            }
        }
        r.integer("terminal_burst", c.terminal_burst, 1, 100'000'000);
        r.duration("max_future_skew_s", c.max_future_skew, 1, 366 * 86'400);
        if (c.heartbeat_timeout <= c.heartbeat_interval) {
            r.fail(t->source(), "heartbeat_timeout_ms", "must be longer than heartbeat_interval_ms");
        }
        r.reject_unknown();
    }
    if (const auto* t = root.subtable("security")) {
        TableReader r(*t, source, "security");
        read_security(r, c);
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
    if (const auto* t = root.subtable("alerts")) {
        TableReader r(*t, source, "alerts");
        r.boolean("denied", c.alert_on_denied);
        r.boolean("tailgating", c.alert_on_tailgating);
        r.reject_unknown();
    }
    if (const auto* t = root.subtable("retention")) {
        TableReader r(*t, source, "retention");
        auto& k = c.retention;
        r.integer("events_days", k.events_days, 1, 3650);
        r.integer("screenings_days", k.screenings_days, 1, 3650);
        r.integer("decisions_days", k.decisions_days, 1, 3650);
        r.integer("alerts_days", k.alerts_days, 1, 3650);
        r.integer("snapshots_days", k.snapshots_days, 1, 3650);
        r.integer("batch_size", k.batch_size, 1, 100'000);
        r.duration("batch_pause_ms", k.batch_pause, 0, 60'000);
        r.duration("interval_s", k.interval, 1, 86'400);
        if (k.snapshots_days > k.screenings_days) {
            r.fail(r.get("snapshots_days") ? r.get("snapshots_days")->source() : t->source(), "snapshots_days",
                   "must not exceed screenings_days (" + std::to_string(k.screenings_days) +
                       "): a snapshot is the evidence of its screening");
        }
        r.reject_unknown();
    }
    if (const auto* t = root.subtable("privacy")) {
        TableReader r(*t, source, "privacy");
        r.boolean("pseudonymise_upstream", c.privacy.pseudonymise_upstream);
        std::string secret;
        r.text("site_secret_file", secret);
        if (!secret.empty()) c.privacy.site_secret_file = secret;
        if (c.privacy.pseudonymise_upstream && !c.privacy.site_secret_file) r.fail_missing("site_secret_file");
        r.reject_unknown();
    }
    if (const auto* t = root.subtable("reports")) {
        TableReader r(*t, source, "reports");
        std::string at;
        r.text("daily_upstream_at", at);
        if (!at.empty()) {
            const auto minutes = parse_clock_time(at);
            if (!minutes) r.fail(r.get("daily_upstream_at")->source(), "daily_upstream_at", "'" + at + "' is not a local time HH:MM (00:00-23:59)");
            c.reports.daily_upstream_minutes = *minutes;
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
    if (const auto* cameras = root.array_of_tables("cameras")) read_cameras(*cameras, source, c);
    if (const auto* t = root.subtable("forwarding")) c.forwarding = forwarding::read_forwarding_config(*t, source);
    if (const auto* t = root.subtable("fleet")) c.fleet = fleet::read_fleet_config(*t, source);
    if (const auto* t = root.subtable("web")) {
        c.web = web::read_web_config(*t, source);
        // The console's live view follows the console publication (docs/console.md).
        if (c.web.enabled() && c.console_endpoint.empty()) {
            root.fail(t->get("listen")->source(), "web.listen",
                      "the web console follows the console publication: listen.consoles must not be disabled");
        }
    }
    const toml::array* terminal_nodes = root.array_of_tables("terminals");
    if (terminal_nodes) {
        std::set<std::string> terminal_keys;
        for (const auto& node : *terminal_nodes) {
            TableReader r(*node.as_table(), source, "terminals");
            TerminalConfig term;
            r.text("id", term.id, true);
            r.text("gate", term.gate, true);
            r.text("kind", term.kind);
            if (term.kind.empty()) term.kind = "terminal";
            term.public_key = read_public_key(r, false);
            check_unique_key(r, terminal_keys, term.public_key, "terminal");
            r.reject_unknown();
            c.terminals.push_back(std::move(term));
        }
        validate_references(c, terminal_nodes, root);
    }
    if (const auto* a = root.array_of_tables("adapters")) {
        std::vector<std::string> terminal_ids;
        for (const auto& t : c.terminals) terminal_ids.push_back(t.id);
        c.adapters = adapters::read_adapters_config(*a, source, terminal_ids);
    }
    if (const auto* consoles = root.array_of_tables("consoles")) read_consoles(*consoles, source, c);
    if (const auto* admins = root.array_of_tables("admins")) read_admins(*admins, source, c);
    validate_security(c, doc, root);
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

const CameraConfig* GatewayConfig::find_camera(const std::string& id) const {
    for (const auto& cam : cameras) {
        if (cam.id == id) return &cam;
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
        throw ConfigError(describe_toml_syntax_error(text, source_name, e));
    }
    return build(doc, source_name);
}

GatewayConfig load_config_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path.string() + ": cannot read configuration file: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), path.string());
}

void check_transport_security(const GatewayConfig& c) {
    auto is_tcp = [](const std::string& endpoint) { return endpoint.rfind("tcp://", 0) == 0; };
    const std::pair<const char*, const std::string*> sockets[] = {
        {"listen.terminals", &c.terminal_endpoint}, {"listen.consoles", &c.console_endpoint},
        {"listen.control", &c.control_endpoint}};
    if (!c.security.curve() && !c.security.insecure_plaintext) {
        for (const auto& [key, endpoint] : sockets) {
            if (!is_tcp(*endpoint)) continue;
            throw ConfigError(c.source + ": " + key + " binds " + *endpoint +
                              " without CURVE: anyone on that network could connect. Set [security].secret_key_file "
                              "(create the key with `gatehouse keygen --out /etc/gatehouse/server`) and list each "
                              "client's public_key, or, for a lab only, [security].insecure_plaintext = true");
        }
    }
    if (c.security.curve() && is_tcp(c.control_endpoint) && c.admins.empty()) {
        throw ConfigError(c.source + ": listen.control binds " + c.control_endpoint +
                          " with CURVE but no [[admins]] key is listed, so no CLI could use it: add [[admins]] "
                          "entries or bind the control socket to ipc://");
    }
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
