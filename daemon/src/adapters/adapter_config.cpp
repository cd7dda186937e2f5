#include "gatehouse/daemon/adapters/adapter_config.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/toml_table_reader.hpp"
#include "gatehouse/daemon/web/web_config.hpp"

namespace gatehouse::daemon::adapters {
namespace {

// Serials appear in URLs and logs: the characters devices use, nothing that needs escaping.
bool is_serial(const std::string& text) {
    if (text.empty() || text.size() > 64) return false;
    for (const char ch : text) {
        const bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                        ch == '_' || ch == '.';
        if (!ok) return false;
    }
    return true;
}

// "user:password" on one line, in a file only the service user may read (like the sinks' secret files).
void read_credentials(TableReader& r, const std::string& source, AdapterDevice& d) {
    std::string file;
    r.text("credentials_file", file);
    if (file.empty()) return;
    const toml::source_region where = r.get("credentials_file")->source();
    std::filesystem::path path(file);
    if (path.is_relative()) path = std::filesystem::path(source).parent_path() / path;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) r.fail(where, "credentials_file", "'" + path.string() + "' is not a regular file");
    if (std::filesystem::file_size(path, ec) > 4096) r.fail(where, "credentials_file", "'" + path.string() + "' is larger than 4 KiB");
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        std::ostringstream mode;
        mode << std::oct << (st.st_mode & 07777);
        r.fail(where, "credentials_file",
               "'" + path.string() + "' has mode 0" + mode.str() + ", readable or writable by group or others; refusing to use "
               "it (chmod 0600 " + path.string() + " && chown gatehouse " + path.string() + ")");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) r.fail(where, "credentials_file", "cannot read '" + path.string() + "': " + std::strerror(errno));
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == line.size()) {
        r.fail(where, "credentials_file", "'" + path.string() + "' must hold one line USER:PASSWORD (the device's account)");
    }
    d.digest_user = line.substr(0, colon);
    d.digest_password = line.substr(colon + 1);
}

AdapterDevice read_device(const toml::node& node, const std::string& source) {
    if (!node.is_table()) {
        throw ConfigError(toml_location(source, node.source()) + ": adapters.devices: expected a table per device");
    }
    TableReader r(*node.as_table(), source, "adapters.devices");
    AdapterDevice d;
    r.text("serial", d.serial, true);
    if (!is_serial(d.serial)) {
        r.fail(r.get("serial")->source(), "serial", "'" + d.serial + "' is not a device serial (1-64 of A-Z a-z 0-9 - _ .)");
    }
    r.text("terminal", d.terminal, true);
    if (const auto* n = r.get("allowed_addresses")) {
        if (!n->is_array()) r.fail(n->source(), "allowed_addresses", "expected an array of IP addresses");
        for (const auto& a : *n->as_array()) {
            if (!a.is_string()) r.fail(a.source(), "allowed_addresses", "each address must be a string");
            d.allowed_addresses.push_back(a.as_string()->get());
        }
    }
    r.text("isapi_url", d.isapi_url);
    if (!d.isapi_url.empty()) {
        const bool scheme = d.isapi_url.rfind("http://", 0) == 0 || d.isapi_url.rfind("https://", 0) == 0;
        const bool clean = d.isapi_url.size() <= 256 && d.isapi_url.find_first_of(" \t\r\n?#") == std::string::npos;
        if (!scheme || !clean) {
            r.fail(r.get("isapi_url")->source(), "isapi_url",
                   "'" + d.isapi_url + "' is not the device's ISAPI address (http://HOST[:PORT], no path or query)");
        }
        while (!d.isapi_url.empty() && d.isapi_url.back() == '/') d.isapi_url.pop_back();
    }
    read_credentials(r, source, d);
    r.reject_unknown();
    return d;
}

}  // namespace

const char* to_string(AdapterKind kind) { return kind == AdapterKind::hikvision ? "hikvision" : "zkteco"; }

const AdapterDevice* AdapterConfig::find_serial(const std::string& serial) const {
    for (const auto& d : devices) {
        if (d.serial == serial) return &d;
    }
    return nullptr;
}

std::vector<AdapterConfig> read_adapters_config(const toml::array& adapters, const std::string& source,
                                                const std::vector<std::string>& terminals) {
    std::vector<AdapterConfig> out;
    std::set<std::string> ids, listens, claimed_terminals;
    for (const auto& node : adapters) {
        TableReader r(*node.as_table(), source, "adapters");
        AdapterConfig a;
        std::string kind;
        r.one_of("kind", kind, {"hikvision", "zkteco"});
        if (kind.empty()) r.fail_missing("kind");
        a.kind = kind == "hikvision" ? AdapterKind::hikvision : AdapterKind::zkteco;
        r.text("id", a.id);
        if (a.id.empty()) a.id = kind;
        if (!ids.insert(a.id).second) r.fail(node.source(), "id", "duplicate adapter id '" + a.id + "'");
        r.text("listen", a.listen, true);
        if (!web::parse_listen_address(a.listen)) {
            r.fail(r.get("listen")->source(), "listen",
                   "'" + a.listen + "' is not HOST:PORT (the gate LAN address the devices post to, e.g. \"10.0.0.5:8088\")");
        }
        if (!listens.insert(a.listen).second) {
            r.fail(r.get("listen")->source(), "listen", "another adapter already listens on '" + a.listen + "'");
        }
        r.integer("max_body_bytes", a.max_body_bytes, 1024, 64 * 1024 * 1024);
        r.integer("max_part_bytes", a.max_part_bytes, 1024, 64 * 1024 * 1024);
        // The device gives up after about 1.5 s: a budget beyond it answers nobody.
        r.duration("remote_check_budget_ms", a.remote_check_budget, 100, 1450);
        if (a.max_part_bytes > a.max_body_bytes) a.max_part_bytes = a.max_body_bytes;
        const toml::node* devices = r.get("devices");
        if (!devices || !devices->is_array() || devices->as_array()->empty()) {
            r.fail(devices ? devices->source() : node.source(), "devices",
                   "list the devices this adapter accepts ([[adapters.devices]] with serial and terminal): an "
                   "adapter accepts no device it does not list");
        }
        std::set<std::string> serials;
        for (const auto& d : *devices->as_array()) {
            AdapterDevice device = read_device(d, source);
            const std::string where = toml_location(source, d.source());
            if (!serials.insert(device.serial).second) {
                throw ConfigError(where + ": adapters.devices.serial: duplicate serial '" + device.serial + "'");
            }
            bool listed = false;
            for (const auto& t : terminals) listed = listed || t == device.terminal;
            if (!listed) {
                throw ConfigError(where + ": adapters.devices.terminal: device '" + device.serial + "' names terminal '" +
                                  device.terminal + "', which is not defined in [[terminals]]");
            }
            if (!claimed_terminals.insert(device.terminal).second) {
                throw ConfigError(where + ": adapters.devices.terminal: terminal '" + device.terminal +
                                  "' is already spoken for by another device (one device per terminal: each keeps its "
                                  "own sequence)");
            }
            if (a.kind == AdapterKind::zkteco && (!device.digest_user.empty() || !device.isapi_url.empty())) {
                throw ConfigError(where + ": adapters.devices: credentials_file and isapi_url are for Hikvision devices; "
                                          "a ZKTeco device is allow-listed by serial and address");
            }
            a.devices.push_back(std::move(device));
        }
        r.reject_unknown();
        out.push_back(std::move(a));
    }
    return out;
}

}  // namespace gatehouse::daemon::adapters
