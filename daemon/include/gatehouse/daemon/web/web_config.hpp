#pragma once
// `[web]`: the web console gatehoused serves (docs/console.md).
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include <toml++/toml.h>

namespace gatehouse::daemon::web {

/// Where the web console listens, how it protects itself, and whose accounts it knows. Disabled unless `listen`
/// is set. Plain HTTP is accepted on a loopback address only, unless `insecure_plaintext` says otherwise (a lab).
struct WebConfig {
    std::string listen;  ///< HOST:PORT; port 0 picks a free one; empty: no web console.
    std::optional<std::filesystem::path> tls_certificate_file;  ///< PEM chain; with tls_key_file: HTTPS.
    std::optional<std::filesystem::path> tls_key_file;          ///< PEM private key, mode 0600.
    bool insecure_plaintext = false;  ///< Plain HTTP on a non-loopback address (warned about at every start).
    std::filesystem::path users_file = "/etc/gatehouse/users";  ///< `gatehouse users` manages it.
    std::chrono::seconds session_idle_timeout{30 * 60};  ///< A session ends after this long without a request.
    std::chrono::seconds session_lifetime{12 * 3600};    ///< And at the latest this long after the login (a shift).
    int max_live_clients = 100;  ///< Open live-update streams; beyond, a page is told to retry (503).
    std::size_t max_body_bytes = 4 * 1024 * 1024;  ///< Largest request body (a list import); larger: 413.
    int login_failures_per_account = 5;   ///< Failed logins per account within login_window before 429.
    int login_failures_per_address = 20;  ///< Failed logins per client address within login_window before 429.
    std::chrono::seconds login_window{15 * 60};

    bool enabled() const { return !listen.empty(); }
    bool tls() const { return tls_certificate_file.has_value(); }
};

/// HOST and PORT of a `listen` value ("127.0.0.1:8443", "[::1]:8443", "0.0.0.0:0").
struct ListenAddress {
    std::string host;
    int port = 0;
};
/// Splits HOST:PORT; nullopt when it is not one.
std::optional<ListenAddress> parse_listen_address(const std::string& listen);
/// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost): only this machine can connect.
bool is_loopback_host(const std::string& host);

/// Reads and checks `[web]` (throws ConfigError naming FILE:LINE:COLUMN and the key).
WebConfig read_web_config(const toml::table& table, const std::string& source);

}  // namespace gatehouse::daemon::web
