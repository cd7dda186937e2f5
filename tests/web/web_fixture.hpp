#pragma once
// The real gatehoused with its web console on 127.0.0.1 (a free port), three accounts (viewer, guard, admin), and a
// browser-like HTTP client that keeps the session cookie and CSRF token.
#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "eventually.hpp"
#include "gatehouse/daemon/web/user_accounts.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "gateway_fixture.hpp"
#include "test_terminal.hpp"

namespace gatehouse::test {

/// Passwords of the fixture's accounts (the account name followed by "-password-1").
inline std::string password_of(const std::string& user) { return user + "-password-1"; }

/// A users file with viewer "vera", guard "gao" and admin "ada". The hashes are made once per test run: each
/// takes a tenth of a second and 64 MiB.
inline void write_users_file(const std::filesystem::path& path) {
    static const daemon::web::UsersFile users = [] {
        daemon::web::UsersFile f;
        f.put({"vera", daemon::web::Role::viewer, daemon::web::hash_password(password_of("vera"))});
        f.put({"gao", daemon::web::Role::guard, daemon::web::hash_password(password_of("gao"))});
        f.put({"ada", daemon::web::Role::admin, daemon::web::hash_password(password_of("ada"))});
        return f;
    }();
    users.save(path);
}

/// gatehoused with `[web]` (plus `web_extra` lines in that section; `tls` adds a certificate of its own).
class WebFixture {
public:
    explicit WebFixture(const std::string& web_extra = "", const std::string& tls_lines = "", int terminals = 3)
        : users_path_(dir_ / "users") {
        write_users_file(users_path_);
        const std::string config = "[web]\nlisten = \"127.0.0.1:0\"\nusers_file = \"" + users_path_.string() + "\"\n" +
                                   tls_lines + web_extra + "\n";
        gateway_ = std::make_unique<GatewayFixture>(terminals, config);
        const std::regex url(R"(web console on (https?)://127\.0\.0\.1:(\d+)/)");
        std::string log;
        std::smatch m;
        if (!eventually([&] {
                log = gateway_->process().stderr_text();
                return std::regex_search(log, m, url);
            })) {
            throw std::runtime_error("no web console in the log: " + log);
        }
        tls_ = m[1].str() == "https";
        port_ = std::stoi(m[2].str());
    }

    GatewayFixture& gateway() { return *gateway_; }
    int port() const { return port_; }
    bool tls() const { return tls_; }
    const std::filesystem::path& users_path() const { return users_path_; }
    std::filesystem::path dir() const { return dir_.path(); }

    /// A client of the console; with TLS it trusts `ca_file`.
    std::unique_ptr<httplib::Client> client(const std::string& ca_file = "") const {
        auto c = std::make_unique<httplib::Client>((tls_ ? "https://" : "http://") + std::string("127.0.0.1:") +
                                                   std::to_string(port_));
        if (tls_) {
            c->set_ca_cert_path(ca_file.c_str());
            c->enable_server_certificate_verification(!ca_file.empty());
        }
        c->set_read_timeout(std::chrono::seconds(10));
        c->set_connection_timeout(std::chrono::seconds(5));
        return c;
    }

    /// Raises a door_forced alert (critical) from terminal t1 with a fresh seq; returns that terminal's reply.
    nlohmann::json force_door() {
        if (!door_) door_ = std::make_unique<TestTerminal>(gateway_->context(), gateway_->endpoint(), "t1");
        door_->send(door_->event(++door_seq_, ipc::DoorData{ipc::DoorState::forced}));
        return door_->expect_reply();
    }

    /// The newest audit rows, newest first.
    std::vector<storage::StoredAudit> audit(std::size_t n = 50) const {
        storage::Ledger ledger({gateway_->ledger_path(), /*read_only=*/true});
        return ledger.recent_audit(n);
    }

private:
    TempDir dir_;
    std::filesystem::path users_path_;
    std::unique_ptr<GatewayFixture> gateway_;
    int port_ = 0;
    bool tls_ = false;
    std::unique_ptr<TestTerminal> door_;
    std::int64_t door_seq_ = 0;
};

/// A browser's view of the console: the session cookie and the CSRF token it got at login.
class Browser {
public:
    explicit Browser(std::unique_ptr<httplib::Client> client) : client_(std::move(client)) {}

    /// Logs in; the response (200 sets the session).
    httplib::Result login(const std::string& user, const std::string& password) {
        auto r = client_->Post("/api/login", headers(false), nlohmann::json{{"user", user}, {"password", password}}.dump(),
                               "application/json");
        if (r && r->status == 200) {
            const std::string set_cookie = r->get_header_value("Set-Cookie");
            cookie_ = set_cookie.substr(0, set_cookie.find(';'));
            csrf_ = nlohmann::json::parse(r->body)["csrf"].get<std::string>();
        }
        return r;
    }
    void login_as(const std::string& user) {
        auto r = login(user, password_of(user));
        if (!r || r->status != 200) throw std::runtime_error("login as " + user + " failed");
    }

    httplib::Result get(const std::string& path, httplib::Headers extra = {}) {
        auto h = headers(false);
        h.insert(extra.begin(), extra.end());
        return client_->Get(path, h);
    }
    /// A JSON POST with this session's CSRF token (unless `csrf` is false).
    httplib::Result post(const std::string& path, const nlohmann::json& body, bool csrf = true, httplib::Headers extra = {}) {
        auto h = headers(csrf);
        h.insert(extra.begin(), extra.end());
        return client_->Post(path, h, body.dump(), "application/json");
    }
    httplib::Result post_text(const std::string& path, const std::string& body, const std::string& type, bool csrf = true) {
        return client_->Post(path, headers(csrf), body, type.c_str());
    }

    const std::string& cookie() const { return cookie_; }
    const std::string& csrf() const { return csrf_; }
    void forget_csrf() { csrf_ = "0000"; }
    httplib::Client& client() { return *client_; }
    httplib::Headers headers(bool csrf) const {
        httplib::Headers h;
        if (!cookie_.empty()) h.emplace("Cookie", cookie_);
        if (csrf && !csrf_.empty()) h.emplace("X-CSRF-Token", csrf_);
        return h;
    }

private:
    std::unique_ptr<httplib::Client> client_;
    std::string cookie_;
    std::string csrf_;
};

/// Server-Sent Events read from GET /api/live on a thread of their own.
struct SseEvent {
    std::string id;
    std::string event;
    nlohmann::json data;
};

class SseReader {
public:
    SseReader(const WebFixture& web, const Browser& browser, const std::string& last_event_id = "",
              const std::string& path = "/api/live") {
        client_ = web.client();
        client_->set_read_timeout(std::chrono::seconds(30));
        httplib::Headers h = browser.headers(false);
        h.emplace("Accept", "text/event-stream");
        h.emplace("Accept-Encoding", "gzip, deflate, br");  // as a browser sends: events must not be held in a compressor
        if (!last_event_id.empty()) h.emplace("Last-Event-ID", last_event_id);
        thread_ = std::thread([this, h, path] {
            auto r = client_->Get(
                path, h,
                [this](const httplib::Response& response) {
                    std::lock_guard lock(mutex_);
                    status_ = response.status;
                    encoding_ = response.get_header_value("Content-Encoding");
                    changed_.notify_all();
                    return !stop_;
                },
                [this](const char* data, std::size_t n) {
                    std::lock_guard lock(mutex_);
                    buffer_.append(data, n);
                    parse();
                    changed_.notify_all();
                    return !stop_;
                });
            std::lock_guard lock(mutex_);
            if (r && status_ == 0) status_ = r->status;
            ended_ = true;
            changed_.notify_all();
        });
    }
    ~SseReader() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        client_->stop();
        thread_.join();
    }

    /// The response status once known (0 before).
    int status(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, timeout, [this] { return status_ != 0 || ended_; });
        return status_;
    }
    std::string content_encoding() {
        std::lock_guard lock(mutex_);
        return encoding_;
    }
    /// Waits until `n` events named `name` arrived (or the timeout); returns every event named so.
    std::vector<SseEvent> wait_for(const std::string& name, std::size_t n,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        std::unique_lock lock(mutex_);
        auto named = [&] {
            std::vector<SseEvent> out;
            for (const auto& e : events_) {
                if (e.event == name) out.push_back(e);
            }
            return out;
        };
        changed_.wait_for(lock, timeout, [&] { return named().size() >= n || ended_; });
        return named();
    }
    bool ended() {
        std::lock_guard lock(mutex_);
        return ended_;
    }
    /// Every event so far, in the order they arrived.
    std::vector<SseEvent> events() {
        std::lock_guard lock(mutex_);
        return events_;
    }
    bool wait_ended(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [this] { return ended_; });
    }

private:
    void parse() {
        for (;;) {
            const auto end = buffer_.find("\n\n");
            if (end == std::string::npos) return;
            const std::string block = buffer_.substr(0, end);
            buffer_.erase(0, end + 2);
            SseEvent e;
            std::string data;
            std::size_t pos = 0;
            while (pos <= block.size()) {
                const auto nl = block.find('\n', pos);
                const std::string line = block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
                if (line.rfind("id: ", 0) == 0) e.id = line.substr(4);
                if (line.rfind("event: ", 0) == 0) e.event = line.substr(7);
                if (line.rfind("data: ", 0) == 0) data += line.substr(6);
                if (nl == std::string::npos) break;
                pos = nl + 1;
            }
            if (e.event.empty()) continue;  // a comment (keep-alive) or the retry line
            e.data = nlohmann::json::parse(data, nullptr, false);
            events_.push_back(std::move(e));
        }
    }

    std::unique_ptr<httplib::Client> client_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::string buffer_;
    std::vector<SseEvent> events_;
    int status_ = 0;
    std::string encoding_;
    bool ended_ = false;
    bool stop_ = false;
};

}  // namespace gatehouse::test
