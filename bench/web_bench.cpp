// Web console benchmark (issue 16; not run by CI): the real gatehoused with its web console, 100 browsers on the
// live stream (Server-Sent Events), and in the same run the references they are judged against:
//   - alert latency, from the terminal's event to each browser, against a ZeroMQ console (SUB) on the same alerts
//     (goal: SSE p99 within 5 ms of the ZeroMQ p99);
//   - the reactor's ack latency under a steady event load, without and then with the 100 streams open (goal:
//     unchanged).
// Alerts are door_forced events from one terminal (each raises a critical alert); the ack load is credential events
// from another. Times are taken in this process (steady clock) at send and at receipt.
//
// Phases without and with the browsers alternate (--rounds), and each verdict is the median of per-round differences,
// so a drift of the machine's load between phases does not decide it.
//
// Usage: web_bench [--clients 100] [--alerts 200] [--alert-rate 20] [--ack-rate 500] [--rounds 5]; --help lists them
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "gatehouse/daemon/web/user_accounts.hpp"
#include "gateway_fixture.hpp"

using namespace gatehouse;
using namespace gatehouse::test;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

namespace {

constexpr const char* kPassword = "bench-viewer-password";

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Summary {
    std::size_t n = 0;
    double p50 = 0, p99 = 0, max = 0;
};

Summary summarise(std::vector<double> v) {
    Summary s;
    s.n = v.size();
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    auto at = [&](double p) {
        const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
        return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
    };
    s.p50 = at(50);
    s.p99 = at(99);
    s.max = v.back();
    return s;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string text(const Summary& s) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "p50 %.2f ms  p99 %.2f ms  max %.1f ms  (n=%zu)", s.p50, s.p99, s.max, s.n);
    return buf;
}

/// When each alert (by id) reached one receiver.
class Arrivals {
public:
    void note(std::int64_t id, Clock::time_point at) {
        std::lock_guard lock(mutex_);
        times_.emplace(id, at);
    }
    std::map<std::int64_t, Clock::time_point> times() {
        std::lock_guard lock(mutex_);
        return times_;
    }

private:
    std::mutex mutex_;
    std::map<std::int64_t, Clock::time_point> times_;
};

/// The browsers: N connections to GET /api/live read by one thread with poll(2), noting when each alert arrives
/// on each. One thread for all of them keeps the bench's own CPU out of the figures (real browsers run elsewhere).
/// The console writes whole events per chunk, so an event is never split by the chunked framing.
class SseClients {
public:
    SseClients(int port, const std::string& cookie, int count) : arrivals_(static_cast<std::size_t>(count)) {
        const std::string request = "GET /api/live HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + cookie +
                                    "\r\nAccept: text/event-stream\r\nAccept-Encoding: gzip\r\n\r\n";
        for (int i = 0; i < count; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_in address{};
            address.sin_family = AF_INET;
            address.sin_port = htons(static_cast<std::uint16_t>(port));
            address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
                ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
                throw std::runtime_error("cannot open live stream " + std::to_string(i));
            }
            fds_.push_back(fd);
            buffers_.emplace_back();
        }
        thread_ = std::thread([this] { run(); });
    }
    ~SseClients() {
        stop_ = true;
        thread_.join();
        for (int fd : fds_) ::close(fd);
    }
    /// How many streams answered 200.
    int open() const { return open_; }
    Arrivals& arrivals(std::size_t i) { return arrivals_[i]; }
    std::size_t size() const { return fds_.size(); }

private:
    void run() {
        std::vector<pollfd> items;
        for (int fd : fds_) items.push_back({fd, POLLIN, 0});
        std::vector<bool> started(fds_.size(), false);
        char chunk[65536];
        while (!stop_) {
            if (::poll(items.data(), items.size(), 50) <= 0) continue;
            const auto now = Clock::now();
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (!(items[i].revents & POLLIN)) continue;
                const ssize_t n = ::recv(items[i].fd, chunk, sizeof chunk, 0);
                if (n <= 0) {
                    items[i].events = 0;
                    continue;
                }
                std::string& b = buffers_[i];
                b.append(chunk, static_cast<std::size_t>(n));
                if (!started[i] && b.find("\r\n\r\n") != std::string::npos) {
                    started[i] = true;
                    if (b.rfind("HTTP/1.1 200", 0) == 0) ++open_;
                }
                static constexpr std::string_view kAlert = "event: alert\ndata: {";
                std::size_t at;
                while ((at = b.find(kAlert)) != std::string::npos) {
                    const auto end = b.find('\n', at + kAlert.size());
                    if (end == std::string::npos) break;
                    const json alert = json::parse(b.substr(at + kAlert.size() - 1, end - at - kAlert.size() + 1), nullptr, false);
                    if (alert.is_object() && alert.contains("id")) arrivals_[i].note(alert["id"].get<std::int64_t>(), now);
                    b.erase(0, end + 1);
                }
                if (b.size() > 8 * 1024 * 1024) b.clear();
            }
        }
    }

    std::vector<int> fds_;
    std::vector<std::string> buffers_;
    std::vector<Arrivals> arrivals_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<int> open_{0};
};

/// A ZeroMQ console subscribed to alerts: the reference path.
class ZmqConsole {
public:
    ZmqConsole(zmq::context_t& context, const std::string& endpoint) : sub_(context, zmq::socket_type::sub) {
        sub_.set(zmq::sockopt::linger, 0);
        sub_.set(zmq::sockopt::subscribe, "alert.");
        sub_.connect(endpoint);
        thread_ = std::thread([this] {
            while (!stop_) {
                zmq::pollitem_t item{sub_.handle(), 0, ZMQ_POLLIN, 0};
                if (zmq::poll(&item, 1, std::chrono::milliseconds(50)) <= 0) continue;
                zmq::message_t topic, body;
                while (sub_.recv(topic, zmq::recv_flags::dontwait)) {
                    const auto now = Clock::now();
                    if (!topic.more() || !sub_.recv(body, zmq::recv_flags::dontwait)) continue;
                    const json m = json::parse(body.to_string_view(), nullptr, false);
                    if (m.is_object() && m.contains("id")) arrivals_.note(m["id"].get<std::int64_t>(), now);
                }
            }
        });
    }
    ~ZmqConsole() {
        stop_ = true;
        thread_.join();
    }
    Arrivals& arrivals() { return arrivals_; }

private:
    zmq::socket_t sub_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    Arrivals arrivals_;
};

/// A terminal sending events at a fixed rate; notes when each was sent and when its ack came.
class PacedTerminal {
public:
    PacedTerminal(zmq::context_t& context, const std::string& endpoint, std::string id)
        : id_(std::move(id)), socket_(context, zmq::socket_type::dealer) {
        socket_.set(zmq::sockopt::linger, 0);
        socket_.connect(endpoint);
    }

    /// Sends `count` events at `rate` per second (`door`: forced doors, else credentials); returns the send times.
    /// Ack latencies go to acks().
    std::vector<Clock::time_point> run(int count, double rate, bool door) {
        std::vector<Clock::time_point> sent;
        std::map<std::int64_t, Clock::time_point> pending;
        const auto period = std::chrono::duration<double>(1.0 / rate);
        const auto start = Clock::now();
        int next = 0;
        while (next < count || !pending.empty()) {
            const auto due = start + std::chrono::duration_cast<Clock::duration>(period * next);
            const auto now = Clock::now();
            if (next < count && now >= due) {
                const std::int64_t seq = ++seq_;
                json data = door ? json{{"state", "forced"}} : json{{"person", "E" + std::to_string(seq % 1000)}, {"method", "card"}};
                const json e = {{"v", 1}, {"type", "event"}, {"terminal", id_}, {"seq", seq}, {"ts", "2026-11-22T08:00:00.000Z"},
                                {"kind", door ? "door" : "credential"}, {"data", data}};
                const auto at = Clock::now();
                socket_.send(zmq::buffer(e.dump()), zmq::send_flags::none);
                pending[seq] = at;
                sent.push_back(at);
                ++next;
                continue;
            }
            const auto wait = next < count ? std::max(Clock::duration::zero(), due - now) : std::chrono::milliseconds(200);
            zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
            if (zmq::poll(&item, 1, std::chrono::ceil<std::chrono::milliseconds>(wait)) <= 0) {
                if (next >= count && Clock::now() - start > period * count + std::chrono::seconds(10)) break;
                continue;
            }
            zmq::message_t reply;
            while (socket_.recv(reply, zmq::recv_flags::dontwait)) {
                const auto at = Clock::now();
                const json r = json::parse(reply.to_string_view(), nullptr, false);
                if (!r.is_object() || r.value("type", "") != "ack") continue;
                const auto it = pending.find(r["seq"].get<std::int64_t>());
                if (it == pending.end()) continue;
                acks_.push_back(ms(at - it->second));
                pending.erase(it);
            }
        }
        return sent;
    }
    std::vector<double> take_acks() { return std::exchange(acks_, {}); }

private:
    std::string id_;
    zmq::socket_t socket_;
    std::int64_t seq_ = 0;
    std::vector<double> acks_;
};

struct Phase {
    Summary acks;
    Summary zmq_alerts;
    Summary sse_alerts;
    std::size_t sse_missing = 0;
};

// One measured run: alerts from t1 and the ack load from t2 at the same time.
Phase measure(PacedTerminal& door, PacedTerminal& load, ZmqConsole& console, SseClients* clients,
              std::vector<Clock::time_point>& door_sends, int alerts, double alert_rate, double ack_rate) {
    const std::size_t first = door_sends.size();
    const int load_count = static_cast<int>(ack_rate * alerts / alert_rate);
    std::thread load_thread([&] { load.run(load_count, ack_rate, false); });
    const auto sent = door.run(alerts, alert_rate, true);
    load_thread.join();
    door_sends.insert(door_sends.end(), sent.begin(), sent.end());
    // Alert ids are 1, 2, … in the order of the door events (nothing else raises alerts here).
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    auto complete = [&](Arrivals& a) {
        const auto times = a.times();
        for (std::size_t k = first; k < door_sends.size(); ++k) {
            if (!times.count(static_cast<std::int64_t>(k + 1))) return false;
        }
        return true;
    };
    auto all_complete = [&] {
        if (!complete(console.arrivals())) return false;
        for (std::size_t i = 0; clients && i < clients->size(); ++i) {
            if (!complete(clients->arrivals(i))) return false;
        }
        return true;
    };
    while (Clock::now() < deadline && !all_complete()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    Phase p;
    p.acks = summarise(load.take_acks());
    std::vector<double> zmq_latency, sse_latency;
    const auto zmq_times = console.arrivals().times();
    for (std::size_t k = first; k < door_sends.size(); ++k) {
        const auto id = static_cast<std::int64_t>(k + 1);
        if (const auto it = zmq_times.find(id); it != zmq_times.end()) zmq_latency.push_back(ms(it->second - door_sends[k]));
    }
    for (std::size_t i = 0; clients && i < clients->size(); ++i) {
        const auto times = clients->arrivals(i).times();
        for (std::size_t k = first; k < door_sends.size(); ++k) {
            const auto it = times.find(static_cast<std::int64_t>(k + 1));
            if (it == times.end()) {
                ++p.sse_missing;
            } else {
                sse_latency.push_back(ms(it->second - door_sends[k]));
            }
        }
    }
    p.zmq_alerts = summarise(zmq_latency);
    p.sse_alerts = summarise(sse_latency);
    return p;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"web_bench: alert latency to 100 browsers (Server-Sent Events) against a ZeroMQ console, and the "
                 "reactor's ack latency without and with the browsers connected"};
    int clients_n = 100;
    int alerts = 200;
    double alert_rate = 20;
    double ack_rate = 500;
    int rounds = 5;
    app.add_option("--clients", clients_n, "Browsers on the live stream")->check(CLI::Range(1, 1000))->capture_default_str();
    app.add_option("--alerts", alerts, "Alerts per phase")->check(CLI::Range(10, 100000))->capture_default_str();
    app.add_option("--alert-rate", alert_rate, "Alerts per second")->check(CLI::Range(1.0, 1000.0))->capture_default_str();
    app.add_option("--rounds", rounds, "Rounds of a phase with browsers between two without")->check(CLI::Range(1, 50))->capture_default_str();
    app.add_option("--ack-rate", ack_rate, "Events per second of the ack load")->check(CLI::Range(1.0, 20000.0))->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    TempDir dir;
    daemon::web::UsersFile users;
    users.put({"bench", daemon::web::Role::viewer, daemon::web::hash_password(kPassword)});
    users.save(dir / "users");
    GatewayFixture gw(2, "[web]\nlisten = \"127.0.0.1:0\"\nusers_file = \"" + (dir / "users").string() +
                             "\"\nmax_live_clients = " + std::to_string(clients_n + 10) + "\n");
    int port = 0;
    {
        const std::regex url(R"(web console on http://127\.0\.0\.1:(\d+)/)");
        const auto deadline = Clock::now() + std::chrono::seconds(15);
        for (std::smatch m; !port; std::this_thread::sleep_for(std::chrono::milliseconds(20))) {
            const std::string log = gw.process().stderr_text();
            if (std::regex_search(log, m, url)) port = std::stoi(m[1].str());
            if (Clock::now() > deadline) {
                std::fprintf(stderr, "web_bench: no web console in the log:\n%s\n", log.c_str());
                return 1;
            }
        }
    }
    httplib::Client login("127.0.0.1", port);
    auto r = login.Post("/api/login", json{{"user", "bench"}, {"password", kPassword}}.dump(), "application/json");
    if (!r || r->status != 200) {
        std::fprintf(stderr, "web_bench: login failed\n");
        return 1;
    }
    const std::string set_cookie = r->get_header_value("Set-Cookie");
    const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));

    zmq::context_t context(1);
    ZmqConsole console(context, gw.console_endpoint());
    PacedTerminal door(context, gw.endpoint(), "t1");
    PacedTerminal load(context, gw.endpoint(), "t2");
    std::vector<Clock::time_point> door_sends;
    // Warm-up: connections, the ledger's first pages, the console's subscription.
    (void)measure(door, load, console, nullptr, door_sends, 20, alert_rate, ack_rate);

    std::printf("web_bench: gatehoused with its web console; alerts %d at %.0f/s (door_forced), ack load %.0f events/s, "
                "%d rounds\n", alerts, alert_rate, ack_rate, rounds);
    // Phases alternate, without / with / without / with / … / without, so every "with" phase has a "without" phase
    // on each side: the machine's load drifts, and the verdicts use per-round differences, not one pair of phases.
    std::vector<Phase> without{measure(door, load, console, nullptr, door_sends, alerts, alert_rate, ack_rate)};
    std::vector<Phase> with;
    std::size_t missing = 0;
    for (int round = 0; round < rounds; ++round) {
        {
            SseClients clients(port, cookie, clients_n);
            const auto connect_deadline = Clock::now() + std::chrono::seconds(20);
            while (clients.open() < clients_n) {
                if (Clock::now() > connect_deadline) {
                    std::fprintf(stderr, "web_bench: only %d of %d live streams opened\n", clients.open(), clients_n);
                    return 1;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            with.push_back(measure(door, load, console, &clients, door_sends, alerts, alert_rate, ack_rate));
            missing += with.back().sse_missing;
        }
        without.push_back(measure(door, load, console, nullptr, door_sends, alerts, alert_rate, ack_rate));
    }

    std::vector<double> gaps, ack_deltas, ack_noise;
    for (std::size_t k = 0; k < with.size(); ++k) {
        const Phase& w = with[k];
        const double around = (without[k].acks.p99 + without[k + 1].acks.p99) / 2;
        gaps.push_back(w.sse_alerts.p99 - w.zmq_alerts.p99);
        ack_deltas.push_back(w.acks.p99 - around);
        ack_noise.push_back(std::abs(without[k + 1].acks.p99 - without[k].acks.p99));
        std::printf("\nround %zu\n  without browsers, before : ack %s\n", k + 1, text(without[k].acks).c_str());
        std::printf("  with %d browsers        : ack %s\n", clients_n, text(w.acks).c_str());
        std::printf("      ZeroMQ console      : %s\n      web (SSE)           : %s\n", text(w.zmq_alerts).c_str(),
                    text(w.sse_alerts).c_str());
        std::printf("  without browsers, after  : ack %s\n", text(without[k + 1].acks).c_str());
        std::printf("  alert p99 web - ZeroMQ %+.2f ms; ack p99 with - without (mean of both sides) %+.2f ms\n",
                    gaps.back(), ack_deltas.back());
    }
    const double gap = median(gaps);
    const double ack_delta = median(ack_deltas);
    const double noise = median(ack_noise);
    std::printf("\nalert p99, web minus ZeroMQ (same phase), median of %d rounds: %+.2f ms (goal <= 5 ms): %s\n", rounds, gap,
                gap <= 5.0 ? "met" : "MISSED");
    // "Unchanged" means the browsers move the ack p99 by no more than the machine moves it between two phases without
    // them (or 1 ms, the figure's own resolution on a quiet machine).
    const double allowed = std::max(1.0, noise);
    std::printf("reactor ack p99, with minus without browsers, median of %d rounds: %+.2f ms; between phases without "
                "browsers: %.2f ms (allowed %.2f ms): %s\n",
                rounds, ack_delta, noise, allowed, ack_delta <= allowed ? "unchanged" : "CHANGED");
    std::printf("alerts missed by a browser: %zu of %zu\n", missing,
                static_cast<std::size_t>(alerts) * static_cast<std::size_t>(clients_n) * static_cast<std::size_t>(rounds));
    return missing == 0 ? 0 : 1;
}
