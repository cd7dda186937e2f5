// The web console subsystem: start-up as a list of steps, the HTTP server's settings and headers, stop.
#include "gatehouse/daemon/web/web_console.hpp"

#include <pthread.h>
#include <sys/stat.h>

#include <csignal>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "gateway/bind_diagnosis.hpp"
#include "web/web_context.hpp"

namespace gatehouse::daemon::web {
namespace {

// Request threads besides those the live streams hold (each open stream keeps one thread).
constexpr std::size_t kRequestThreads = 8;
// Read-only ledger connections shared by the request threads.
constexpr std::size_t kLedgerReaders = 4;

constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

void check_key_file_mode(const std::filesystem::path& key) {
    struct stat st {};
    if (::stat(key.c_str(), &st) != 0) {
        throw ConfigError("web.tls_key_file: cannot read " + key.string() + ": " + std::strerror(errno));
    }
    if ((st.st_mode & 077) != 0) {
        throw ConfigError(fmt::format("web.tls_key_file: {} may be read by group or others (mode {:04o}): chmod 0600 {}",
                                      key.string(), st.st_mode & 07777, key.string()));
    }
}

std::string openssl_error() {
    char text[256] = "unknown error";
    if (const unsigned long code = ERR_get_error()) ERR_error_string_n(code, text, sizeof text);
    ERR_clear_error();
    return text;
}

// TLS 1.2 at least, the configured chain and key (which must match).
std::unique_ptr<httplib::Server> tls_server(const WebConfig& web) {
    std::string problem;
    auto server = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
        SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
        SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
        if (SSL_CTX_use_certificate_chain_file(&ctx, web.tls_certificate_file->c_str()) != 1) {
            problem = "web.tls_certificate_file: cannot load " + web.tls_certificate_file->string() + ": " + openssl_error();
            return false;
        }
        if (SSL_CTX_use_PrivateKey_file(&ctx, web.tls_key_file->c_str(), SSL_FILETYPE_PEM) != 1) {
            problem = "web.tls_key_file: cannot load " + web.tls_key_file->string() + ": " + openssl_error();
            return false;
        }
        if (SSL_CTX_check_private_key(&ctx) != 1) {
            problem = "web.tls_key_file " + web.tls_key_file->string() + " does not belong to the certificate " +
                      web.tls_certificate_file->string();
            return false;
        }
        return true;
    });
    if (!server->is_valid()) throw ConfigError(problem.empty() ? "web: cannot set up TLS: " + openssl_error() : problem);
    return server;
}

void add_headers(httplib::Response& res, bool tls, bool api) {
    res.set_header("Content-Security-Policy", kContentSecurityPolicy);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Cross-Origin-Opener-Policy", "same-origin");
    res.set_header("Cross-Origin-Resource-Policy", "same-origin");
    res.set_header("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    if (tls) res.set_header("Strict-Transport-Security", "max-age=31536000");
    if (api && !res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
}

const char* error_code(int status) {
    switch (status) {
        case 400: return "bad_request";
        case 404: return "not_found";
        case 405: return "method_not_allowed";
        case 413: return "payload_too_large";
        case 414: return "uri_too_long";
        case 416: return "range_not_satisfiable";
        default: return status >= 500 ? "server_error" : "refused";
    }
}

}  // namespace

struct WebConsole::Impl {
    GatewayConfig config;
    GatewayClient gateway;
    WebLedger ledger;
    SessionStore sessions;
    LoginThrottle throttle;
    AccountDirectory accounts;
    PasswordChecker passwords;
    LiveFeed feed;
    WebCounters counters;
    std::atomic<bool> stopping{false};
    std::atomic<bool> listen_returned{false};
    WebContext context;
    std::unique_ptr<httplib::Server> server;
    std::string url;
    std::thread thread;

    Impl(const GatewayConfig& c, const GatewayEndpoints& endpoints)
        : config(c),
          gateway(*endpoints.context, endpoints.control),
          ledger(c.ledger_path, kLedgerReaders),
          sessions(c.web.session_idle_timeout, c.web.session_lifetime),
          throttle(c.web.login_failures_per_account, c.web.login_failures_per_address, c.web.login_window),
          accounts(c.web.users_file),
          feed(*endpoints.context, endpoints.consoles, endpoints.control, c.ledger_path),
          context{c,        ledger,   gateway, sessions, throttle, accounts, passwords, feed, counters, stopping,
                  c.web.tls() ? "__Host-gatehouse" : "gatehouse_session"} {}

    void configure(httplib::Server& s) {
        const auto threads = static_cast<std::size_t>(config.web.max_live_clients) + kRequestThreads;
        // httplib owns the task queue it is handed.
        s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
        s.set_payload_max_length(config.web.max_body_bytes);
        s.set_read_timeout(std::chrono::seconds(10));
        s.set_write_timeout(std::chrono::seconds(5));  // a browser that stops reading a stream is dropped
        s.set_keep_alive_timeout(5);
        const bool tls = config.web.tls();
        s.set_post_routing_handler([tls](const httplib::Request& req, httplib::Response& res) {
            add_headers(res, tls, req.path.rfind("/api/", 0) == 0);
        });
        s.set_error_handler(httplib::Server::HandlerWithResponse([tls](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
            send_error(res, res.status, error_code(res.status),
                       res.status == 413 ? "the request body is larger than web.max_body_bytes"
                       : res.status == 404 ? "no such page or resource"
                                           : "the request was refused");
            add_headers(res, tls, req.path.rfind("/api/", 0) == 0);
            return httplib::Server::HandlerResponse::Handled;
        }));
        s.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr e) {
            std::string what = "unknown error";
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                what = x.what();
            } catch (...) {
            }
            spdlog::error("web console: {} {} failed: {}", req.method, req.path, what);
            send_error(res, 500, "server_error", "the console could not answer; the gateway's log says why");
        });
        s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
            spdlog::debug("web {} {} {} -> {}", req.remote_addr, req.method, req.path, res.status);
        });
        add_session_routes(s, context);
        add_board_routes(s, context);
        add_alert_routes(s, context);
        add_history_routes(s, context);
        add_list_routes(s, context);
        add_health_routes(s, context);
        add_static_routes(s);
    }
};

WebConsole::WebConsole(const GatewayConfig& config, const GatewayEndpoints& gateway) {
    const WebConfig& web = config.web;
    if (!gateway.context || gateway.consoles.empty()) {
        throw ConfigError("web.listen: the web console follows the console publication: listen.consoles must be set");
    }
    // 1. TLS files, before anything opens: a readable key or a wrong path is the installer's to fix.
    if (web.tls()) check_key_file_mode(*web.tls_key_file);
    auto server = web.tls() ? tls_server(web) : std::make_unique<httplib::Server>();
    // 2.–4. Users file, ledger connections, live feed.
    impl_ = std::make_unique<Impl>(config, gateway);
    // 5. Routes and settings, then the listening socket.
    impl_->configure(*server);
    const auto address = parse_listen_address(web.listen);
    if (!address) throw ConfigError("web.listen: '" + web.listen + "' is not HOST:PORT");
    server->set_socket_options(set_exclusive_listener_options);
    const int port = address->port == 0 ? server->bind_to_any_port(address->host)
                                        : (server->bind_to_port(address->host, address->port) ? address->port : -1);
    if (port <= 0) {
        const std::string reason = diagnose_bind_failure(address->host, address->port);
        throw std::runtime_error("cannot bind the web console to " + web.listen + " (web.listen): " +
                                 (reason.empty() ? "in use, or not an address of this host?" : reason));
    }
    const bool v6 = address->host.find(':') != std::string::npos;
    impl_->url = std::string(web.tls() ? "https://" : "http://") + (v6 ? "[" + address->host + "]" : address->host) + ":" +
                 std::to_string(port) + "/";
    impl_->server = std::move(server);
    // 6. Serve. A browser that goes away leaves a socket whose next write raises SIGPIPE, which would end the
    // daemon: the server's threads (the pool inherits this thread's mask) keep it blocked, and see EPIPE instead.
    impl_->thread = std::thread([this] {
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
        impl_->server->listen_after_bind();
        impl_->listen_returned.store(true);
    });
    // A stop() before the thread listens would be lost and the destructor's join would wait for ever.
    while (!impl_->server->is_running() && !impl_->listen_returned.load()) std::this_thread::yield();
    spdlog::info("web console on {} ({}, {} accounts in {}, at most {} live screens)", impl_->url,
                 web.tls() ? "TLS" : "plain HTTP", impl_->accounts.size(), web.users_file.string(), web.max_live_clients);
    if (!web.tls() && !is_loopback_host(address->host)) {
        spdlog::warn("WARNING web console on {} is INSECURE: plain HTTP on a network address (web.insecure_plaintext); "
                     "passwords and health data cross the network in clear",
                     impl_->url);
    }
}

WebConsole::~WebConsole() {
    impl_->stopping.store(true);
    impl_->feed.stop();  // every open stream returns
    if (impl_->server) impl_->server->stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

const std::string& WebConsole::url() const { return impl_->url; }

}  // namespace gatehouse::daemon::web
