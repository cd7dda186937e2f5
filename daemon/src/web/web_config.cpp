#include "gatehouse/daemon/web/web_config.hpp"

#include <arpa/inet.h>

#include "config/toml_table_reader.hpp"

namespace gatehouse::daemon::web {

std::optional<ListenAddress> parse_listen_address(const std::string& listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) return std::nullopt;
    ListenAddress a;
    a.host = listen.substr(0, colon);
    if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
    const std::string port = listen.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    a.port = std::stoi(port);
    if (a.port > 65535 || a.host.empty()) return std::nullopt;
    return a;
}

bool is_loopback_host(const std::string& host) {
    if (host == "localhost") return true;
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

WebConfig read_web_config(const toml::table& table, const std::string& source) {
    TableReader r(table, source, "web");
    WebConfig c;
    if (const auto* n = r.get("listen")) {
        if (!n->is_string()) r.fail(n->source(), "listen", "expected a string HOST:PORT (empty disables the web console)");
        c.listen = n->as_string()->get();
        if (!c.listen.empty() && !parse_listen_address(c.listen)) {
            r.fail(n->source(), "listen", "'" + c.listen + "' is not HOST:PORT (e.g. \"0.0.0.0:8443\" or \"127.0.0.1:8480\")");
        }
    }
    std::string text;
    r.text("tls_certificate_file", text);
    if (!text.empty()) c.tls_certificate_file = text;
    text.clear();
    r.text("tls_key_file", text);
    if (!text.empty()) c.tls_key_file = text;
    r.boolean("insecure_plaintext", c.insecure_plaintext);
    text.clear();
    r.text("users_file", text);
    if (!text.empty()) c.users_file = text;
    r.duration("session_idle_timeout_s", c.session_idle_timeout, 1, 7 * 86'400);
    r.duration("session_lifetime_s", c.session_lifetime, 1, 31 * 86'400);
    r.integer("max_live_clients", c.max_live_clients, 1, 10'000);
    r.integer("max_body_bytes", c.max_body_bytes, 1024, 256 * 1024 * 1024);
    r.integer("login_failures_per_account", c.login_failures_per_account, 1, 1000);
    r.integer("login_failures_per_address", c.login_failures_per_address, 1, 100'000);
    r.duration("login_window_s", c.login_window, 1, 86'400);
    if (c.tls_certificate_file.has_value() != c.tls_key_file.has_value()) {
        const char* missing = c.tls_certificate_file ? "tls_key_file" : "tls_certificate_file";
        r.fail(table.source(), missing, "HTTPS needs both tls_certificate_file and tls_key_file");
    }
    if (c.tls() && c.insecure_plaintext) {
        r.fail(r.get("insecure_plaintext")->source(), "insecure_plaintext",
               "contradicts tls_certificate_file: choose HTTPS or plain HTTP, not both");
    }
    if (c.enabled() && !c.tls() && !c.insecure_plaintext && !is_loopback_host(parse_listen_address(c.listen)->host)) {
        r.fail(r.get("listen")->source(), "listen",
               "'" + c.listen + "' is reachable from the network but the web console has no TLS: passwords and health "
               "data would cross the network in clear. Set tls_certificate_file and tls_key_file, bind a loopback "
               "address, or, for a lab only, insecure_plaintext = true");
    }
    if (c.session_lifetime < c.session_idle_timeout) {
        r.fail(table.source(), "session_lifetime_s", "must not be shorter than session_idle_timeout_s");
    }
    r.reject_unknown();
    return c;
}

}  // namespace gatehouse::daemon::web
