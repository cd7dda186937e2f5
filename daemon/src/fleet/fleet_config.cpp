#include "gatehouse/daemon/fleet/fleet_config.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "config/toml_table_reader.hpp"
#include "gatehouse/daemon/fleet/site_key.hpp"

namespace gatehouse::daemon::fleet {

std::optional<FleetBroker> parse_broker(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
    FleetBroker b;
    b.host = text.substr(0, colon);
    if (b.host.size() >= 2 && b.host.front() == '[' && b.host.back() == ']') b.host = b.host.substr(1, b.host.size() - 2);
    const std::string port = text.substr(colon + 1);
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    b.port = std::stoi(port);
    if (b.port < 1 || b.port > 65535 || b.host.empty()) return std::nullopt;
    return b;
}

FleetConfig read_fleet_config(const toml::table& table, const std::string& source) {
    TableReader r(table, source, "fleet");
    const std::filesystem::path base_dir = std::filesystem::path(source).parent_path();
    auto resolve = [&](const std::string& p) { return std::filesystem::path(p).is_relative() ? base_dir / p : std::filesystem::path(p); };
    auto existing_file = [&](const std::string& key, std::string& out) {
        r.text(key, out);
        if (out.empty()) return;
        out = resolve(out).string();
        std::error_code ec;
        if (!std::filesystem::is_regular_file(out, ec)) r.fail(table.get(key)->source(), key, "'" + out + "' is not a readable file");
    };
    FleetConfig c;
    r.boolean("enabled", c.enabled);
    if (const toml::node* n = r.get("brokers")) {
        const toml::array* list = n->as_array();
        if (!list) r.fail(n->source(), "brokers", "expected an array of \"host:port\" strings");
        for (const toml::node& item : *list) {
            const auto* text = item.as_string();
            const auto broker = text ? parse_broker(text->get()) : std::nullopt;
            if (!broker) r.fail(item.source(), "brokers", "expected \"host:port\" (e.g. \"mqtt-1.campus.example:8883\")");
            c.brokers.push_back(*broker);
        }
    }
    r.text("username", c.username);
    std::string password_file;
    r.text("password_file", password_file);
    if (!password_file.empty()) {
        const auto path = resolve(password_file);
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) r.fail(table.get("password_file")->source(), "password_file", "'" + path.string() + "' does not exist");
        if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0 || !S_ISREG(st.st_mode) || st.st_size > 64 * 1024) {
            r.fail(table.get("password_file")->source(), "password_file",
                   fmt::format("'{}' must be a regular file of at most 64 KiB with mode 0600 (it is {:04o})", path.string(), st.st_mode & 07777));
        }
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        c.password = text.str();
        while (!c.password.empty() && (c.password.back() == '\n' || c.password.back() == '\r')) c.password.pop_back();
        if (c.username.empty()) r.fail(table.source(), "username", "a password needs a username");
    }
    existing_file("ca_file", c.ca_file);
    existing_file("cert_file", c.cert_file);
    existing_file("key_file", c.key_file);
    if (c.cert_file.empty() != c.key_file.empty()) {
        r.fail(table.source(), c.cert_file.empty() ? "cert_file" : "key_file", "a client certificate needs both cert_file and key_file");
    }
    if (!c.cert_file.empty() && c.ca_file.empty()) r.fail(table.source(), "ca_file", "a client certificate needs TLS: set ca_file too");
    std::string key_file;
    r.text("site_public_key_file", key_file);
    if (!key_file.empty()) {
        c.site_public_key_file = resolve(key_file);
        try {
            (void)read_site_public_key(c.site_public_key_file);
        } catch (const SiteKeyError& e) {
            r.fail(table.get("site_public_key_file")->source(), "site_public_key_file", e.what());
        }
    }
    r.text("topic_prefix", c.topic_prefix);
    if (c.topic_prefix.find_first_of("+#") != std::string::npos) {
        r.fail(table.get("topic_prefix")->source(), "topic_prefix", "must not contain the MQTT wildcards + or #");
    }
    r.duration("status_interval_ms", c.status_interval, 500, 3'600'000);
    r.duration("keepalive_s", c.keepalive, 5, 3600);  // libmosquitto refuses less than 5 s
    r.duration("reconnect_max_ms", c.reconnect_max, 100, 600'000);
    r.reject_unknown();
    if (c.enabled) {
        if (c.brokers.empty()) r.fail(table.source(), "brokers", "the fleet link needs at least one broker");
        if (c.site_public_key_file.empty()) {
            r.fail(table.source(), "site_public_key_file",
                   "required: downlink updates are verified with the site public key (`gatehouse fleet keygen`)");
        }
    }
    return c;
}

}  // namespace gatehouse::daemon::fleet
