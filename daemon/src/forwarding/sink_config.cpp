#include "gatehouse/daemon/forwarding/sink_config.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "config/toml_table_reader.hpp"
#include "gatehouse/daemon/alert_book.hpp"
#include "gatehouse/daemon/gateway_config.hpp"

namespace gatehouse::daemon::forwarding {
namespace {

const std::map<std::string, SinkType> kSinkTypes = {
    {"mqtt", SinkType::mqtt},         {"webhook", SinkType::webhook}, {"dingtalk", SinkType::dingtalk},
    {"wecom", SinkType::wecom},       {"feishu", SinkType::feishu},
};

std::set<std::string> sink_type_names() {
    std::set<std::string> names;
    for (const auto& [name, type] : kSinkTypes) names.insert(name);
    return names;
}

/// Reads one sink table; `base_dir` is where relative file paths are resolved (the configuration's directory).
class SinkTableParser {
public:
    SinkTableParser(const toml::table& table, const std::string& source, std::string path)
        : table_(table), reader_(table, source, std::move(path)),
          base_dir_(std::filesystem::path(source).parent_path()) {}

    SinkConfig parse() {
        SinkConfig c;
        std::string type_name;
        if (!table_.get("type")) reader_.fail_missing("type");
        reader_.one_of("type", type_name, sink_type_names());
        c.type = kSinkTypes.at(type_name);
        c.name = type_name;
        reader_.text("name", c.name);
        c.max_batch = is_chat_robot(c.type) ? 50 : 100;
        reader_.integer("max_batch", c.max_batch, 1, 10'000);
        read_lanes(c);
        switch (c.type) {
            case SinkType::mqtt: read_mqtt(c.mqtt); break;
            case SinkType::webhook: read_webhook(c.webhook); break;
            case SinkType::dingtalk:
            case SinkType::wecom:
            case SinkType::feishu: read_chat(c.type, c.chat); break;
        }
        reader_.reject_unknown();
        return c;
    }

private:
    void read_lanes(SinkConfig& c) {
        const toml::node* node = reader_.get("lanes");
        if (!node) {
            if (is_chat_robot(c.type)) {
                c.lanes = {storage::OutboxLane::alert};
            } else {
                c.lanes = {storage::OutboxLane::alert, storage::OutboxLane::record, storage::OutboxLane::routine};
            }
            return;
        }
        const toml::array* lanes = node->as_array();
        if (!lanes || lanes->empty()) reader_.fail(node->source(), "lanes", "expected a non-empty array of lane names");
        for (const toml::node& item : *lanes) {
            const auto* name = item.as_string();
            const auto lane = name ? storage::outbox_lane_from_string(name->get()) : std::nullopt;
            if (!lane) {
                reader_.fail(item.source(), "lanes", "expected lane names: alert, record, routine");
            }
            if (is_chat_robot(c.type) && *lane != storage::OutboxLane::alert) {
                reader_.fail(item.source(), "lanes", "chat robots take the alert lane only");
            }
            c.lanes.push_back(*lane);
        }
    }

    void read_mqtt(MqttSinkOptions& m) {
        read_brokers(m.brokers);
        reader_.text("client_id", m.client_id);
        reader_.text("username", m.username);
        read_secret("password", m.password, m.password_file);
        read_existing_file("ca_file", m.ca_file);
        read_existing_file("cert_file", m.cert_file);
        read_existing_file("key_file", m.key_file);
        if (m.cert_file.empty() != m.key_file.empty()) {
            reader_.fail(table_.source(), m.cert_file.empty() ? "cert_file" : "key_file",
                         "a client certificate needs both cert_file and key_file");
        }
        if (!m.cert_file.empty() && m.ca_file.empty()) {
            reader_.fail(table_.source(), "ca_file", "a client certificate needs TLS: set ca_file too");
        }
        if (!m.password.empty() && m.username.empty()) {
            reader_.fail(table_.source(), "username", "a password needs a username");
        }
        reader_.text("topic_prefix", m.topic_prefix);
        if (const toml::node* n = table_.get("topic_prefix");
            n && m.topic_prefix.find_first_of("+#") != std::string::npos) {
            reader_.fail(n->source(), "topic_prefix", "must not contain the MQTT wildcards + or #");
        }
        reader_.duration("keepalive_s", m.keepalive, 5, 3600);
        reader_.integer("max_inflight", m.max_inflight, 1, 65535);
        reader_.duration("connect_timeout_ms", m.connect_timeout, 100, 60'000);
        reader_.duration("publish_timeout_ms", m.publish_timeout, 100, 600'000);
        reader_.duration("reconnect_max_s", m.reconnect_max, 1, 3600);
    }

    /// `brokers = ["host:port", ...]` (a cluster's nodes), or the single `host` / `port`; not both.
    void read_brokers(std::vector<MqttBrokerAddress>& brokers) {
        const toml::node* list = reader_.get("brokers");
        if (!list) {
            MqttBrokerAddress single = brokers.front();
            reader_.text("host", single.host);
            reader_.integer("port", single.port, 1, 65535);
            brokers = {single};
            return;
        }
        for (const char* single_key : {"host", "port"}) {
            if (const toml::node* n = table_.get(single_key)) {
                reader_.fail(n->source(), single_key, "set either brokers or host/port, not both");
            }
        }
        const toml::array* items = list->as_array();
        if (!items || items->empty()) {
            reader_.fail(list->source(), "brokers", "expected a non-empty array of \"host:port\" strings");
        }
        brokers.clear();
        for (const toml::node& item : *items) {
            const auto text = item.value<std::string>();
            const auto address = text ? parse_mqtt_broker_address(*text) : std::nullopt;
            if (!address) {
                reader_.fail(item.source(), "brokers",
                             "expected \"host:port\" (or \"[v6]:port\"), port 1..65535" +
                                 (text ? ", got \"" + *text + "\"" : std::string()));
            }
            if (std::find(brokers.begin(), brokers.end(), *address) != brokers.end()) {
                reader_.fail(item.source(), "brokers", address->to_string() + " is listed twice");
            }
            brokers.push_back(*address);
        }
    }

    void read_webhook(WebhookSinkOptions& w) {
        read_url(w.url);
        if (const toml::table* headers = reader_.subtable("headers")) {
            for (auto&& [key, value] : *headers) {
                const std::string name(key.str());
                const auto* text = value.as_string();
                if (name.empty() || name.find_first_of(": \t\r\n") != std::string::npos) {
                    reader_.fail(key.source(), "headers." + name, "not a valid HTTP header name");
                }
                if (!text || text->get().find_first_of("\r\n") != std::string::npos) {
                    reader_.fail(value.source(), "headers." + name, "expected a one-line string");
                }
                w.headers.emplace_back(name, text->get());
            }
        }
        read_timeouts(w.timeouts);
    }

    void read_chat(SinkType type, ChatRobotSinkOptions& chat) {
        read_url(chat.url);
        // WeCom group robots are authenticated by the key in their URL only: they have no signing secret.
        if (type != SinkType::wecom) read_secret("secret", chat.secret, chat.secret_file);
        reader_.integer("rate_limit_messages", chat.rate_limit_messages, 1, 10'000);
        reader_.duration("rate_limit_window_ms", chat.rate_limit_window, 100, 86'400'000);
        if (table_.get("min_interval_ms")) {
            std::chrono::milliseconds interval{0};
            reader_.duration("min_interval_ms", interval, 0, 3'600'000);
            chat.min_interval = interval;
        }
        reader_.integer("digest_lines", chat.digest_lines, 1, 100);
        read_filter(chat.filter);
        read_timeouts(chat.timeouts);
    }

    /// `min_severity` and `kinds`: which alerts page the chat group.
    void read_filter(ChatAlertFilter& filter) {
        if (const toml::node* n = reader_.get("min_severity")) {
            const auto text = n->value<std::string>();
            const auto severity = text ? parse_alert_severity(*text) : std::nullopt;
            if (!severity) reader_.fail(n->source(), "min_severity", "expected \"info\", \"warning\" or \"critical\"");
            filter.min_severity = *severity;
        }
        if (const toml::node* n = reader_.get("kinds")) {
            const toml::array* kinds = n->as_array();
            if (!kinds || kinds->empty()) reader_.fail(n->source(), "kinds", "expected a non-empty array of alert kinds");
            const auto& known = alert_kinds();
            for (const toml::node& item : *kinds) {
                const auto kind = item.value<std::string>();
                if (!kind || std::find(known.begin(), known.end(), *kind) == known.end()) {
                    std::string list;
                    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
                    reader_.fail(item.source(), "kinds", "expected alert kinds: " + list);
                }
                filter.kinds.push_back(*kind);
            }
        }
    }

    void read_url(std::string& url) {
        reader_.text("url", url, true);
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
            reader_.fail(table_.get("url")->source(), "url", "'" + url + "' is not an http:// or https:// URL");
        }
    }

    void read_timeouts(HttpTimeouts& t) {
        reader_.duration("connect_timeout_ms", t.connect, 100, 60'000);
        reader_.duration("timeout_ms", t.total, 100, 600'000);
        if (t.total < t.connect) {
            reader_.fail(table_.source(), "timeout_ms", "must not be shorter than connect_timeout_ms");
        }
    }

    std::filesystem::path resolve(const std::string& path) const {
        const std::filesystem::path p(path);
        return p.is_relative() ? base_dir_ / p : p;
    }

    /// A secret given inline (`key`) or in a file (`key_file`, read now so that a missing file stops start-up);
    /// `out_file` is the file's path, for the checks of who may read it.
    void read_secret(const std::string& key, std::string& out, std::string& out_file) {
        const std::string file_key = key + "_file";
        const toml::node* inline_node = table_.get(key);
        const toml::node* file_node = table_.get(file_key);
        if (inline_node && file_node) {
            reader_.fail(file_node->source(), file_key, "give either " + key + " or " + file_key + ", not both");
        }
        reader_.text(key, out);
        std::string file;
        reader_.text(file_key, file);
        if (file.empty()) return;
        // A secret is a short line; a device (/dev/zero) or a huge file would hang the load or exhaust memory.
        constexpr std::uintmax_t kMaxSecretBytes = 64 * 1024;
        const std::filesystem::path path = resolve(file);
        out_file = path.string();
        std::error_code ec;
        if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
            reader_.fail(file_node->source(), file_key, "'" + path.string() + "' is not a regular file");
        }
        if (const auto size = std::filesystem::file_size(path, ec); !ec && size > kMaxSecretBytes) {
            reader_.fail(file_node->source(), file_key,
                         "'" + path.string() + "' has " + std::to_string(size) + " bytes; a secret file holds at most 64 KiB");
        }
        // Like the server key (security.secret_key_file): a secret others can read is no secret; refuse it.
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
            reader_.fail(file_node->source(), file_key,
                         fmt::format("'{}' has mode {:04o}, readable or writable by group or others; refusing to use it "
                                     "(chmod 0600 {} && chown gatehouse {}: the service user must own it)",
                                     path.string(), st.st_mode & 07777, path.string(), path.string()));
        }
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            reader_.fail(file_node->source(), file_key, "cannot read '" + path.string() + "': " + std::strerror(errno));
        }
        std::stringstream text;
        text << in.rdbuf();
        out = text.str();
        // Files written by editors and `echo` end with a newline that is not part of the secret.
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
        if (out.empty()) reader_.fail(file_node->source(), file_key, "'" + resolve(file).string() + "' is empty");
    }

    void read_existing_file(const std::string& key, std::string& out) {
        reader_.text(key, out);
        if (out.empty()) return;
        out = resolve(out).string();
        std::error_code ec;
        if (!std::filesystem::is_regular_file(out, ec)) {
            reader_.fail(table_.get(key)->source(), key, "'" + out + "' is not a readable file");
        }
    }

    const toml::table& table_;
    TableReader reader_;
    std::filesystem::path base_dir_;
};

}  // namespace

std::string MqttBrokerAddress::to_string() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<MqttBrokerAddress> parse_mqtt_broker_address(std::string_view text) {
    MqttBrokerAddress address;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        address.host = std::string(text.substr(1, close - 1));
        const std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port_text = rest.substr(1);
            if (port_text.empty()) return std::nullopt;
        }
    } else {
        const auto colon = text.find(':');
        if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) return std::nullopt;
        address.host = std::string(text.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = text.substr(colon + 1);
            if (port_text.empty()) return std::nullopt;
        }
    }
    if (address.host.empty() || address.host.find_first_of(" \t\r\n/") != std::string::npos) return std::nullopt;
    if (!port_text.empty()) {
        if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
        address.port = std::stoi(std::string(port_text));
        if (address.port < 1 || address.port > 65535) return std::nullopt;
    }
    return address;
}

std::optional<AlertSeverity> parse_alert_severity(std::string_view text) {
    if (text == "info") return AlertSeverity::info;
    if (text == "warning") return AlertSeverity::warning;
    if (text == "critical") return AlertSeverity::critical;
    return std::nullopt;
}

bool ChatAlertFilter::passes(const std::string& kind) const {
    const auto severity = parse_alert_severity(alert_severity(kind)).value_or(AlertSeverity::warning);
    if (severity < min_severity) return false;
    return kinds.empty() || std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

std::string_view to_string(SinkType type) {
    switch (type) {
        case SinkType::mqtt: return "mqtt";
        case SinkType::webhook: return "webhook";
        case SinkType::dingtalk: return "dingtalk";
        case SinkType::wecom: return "wecom";
        case SinkType::feishu: return "feishu";
    }
    return "mqtt";
}

std::vector<SinkConfig> read_sink_configs(const toml::array& sinks, const std::string& source) {
    std::vector<SinkConfig> configs;
    std::set<std::string> names;
    for (std::size_t i = 0; i < sinks.size(); ++i) {
        const toml::node& node = sinks[i];
        const std::string path = "forwarding.sinks[" + std::to_string(i) + "]";
        const toml::table* table = node.as_table();
        if (!table) throw ConfigError(toml_location(source, node.source()) + ": " + path + ": expected a table");
        SinkConfig config = SinkTableParser(*table, source, path).parse();
        if (!names.insert(config.name).second) {
            const toml::node* where = table->get("name");
            throw ConfigError(toml_location(source, where ? where->source() : table->source()) + ": " + path +
                              ".name: duplicate sink name '" + config.name + "' (give each sink a name)");
        }
        configs.push_back(std::move(config));
    }
    return configs;
}

}  // namespace gatehouse::daemon::forwarding
