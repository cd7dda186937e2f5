// Adapter benchmark (issue 18; not run by CI): events per second into the real gatehoused through each vendor
// adapter over HTTP, against the native ZeroMQ ingest in the same run and the same daemon.
//   native     N terminals (DEALER), each sending the next event as soon as the previous one is acked (like a
//              device that waits for its HTTP answer), then unpaced with a window of 64 unacked events;
//   hikvision  N simulated Hikvision terminals, each posting JSON face matches with a temperature (2 events per
//              notification) and waiting for the answer;
//   zkteco     N simulated ZKTeco devices, each posting ATTLOG uploads of --lines lines with temperatures (2 events
//              per line) and waiting for "OK";
//   remote     N simulated Hikvision devices asking for remote verification one after the other: latency from the
//              post to the answer's arrival on the device's own ISAPI server (p50/p99, against the 1.3 s budget),
//              and, as the same run's reference, N native terminals' access_request → decision round trips.
// Every figure counts events acknowledged after their commit (synchronous=FULL), so they compare like with like.
//
// Usage: adapter_bench [--devices 8] [--seconds 10] [--lines 20]; --help lists them
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <httplib.h>

#include "gateway_fixture.hpp"
#include "test_terminal.hpp"

using namespace gatehouse;
using namespace gatehouse::test;
using Clock = std::chrono::steady_clock;

namespace {

int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        throw std::runtime_error("no free port");
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

struct Rate {
    std::uint64_t events = 0;
    double seconds = 0;
    std::uint64_t failures = 0;
    double per_second() const { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }
};

// Runs `work(device, stop)` on `devices` threads for `seconds`; each returns the events it had acknowledged.
template <typename Work>
Rate run_for(int devices, int seconds, Work work) {
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> events{0}, failures{0};
    std::vector<std::thread> threads;
    const auto start = Clock::now();
    for (int d = 0; d < devices; ++d) {
        threads.emplace_back([&, d] {
            std::uint64_t failed = 0;
            events += work(d, stop, failed);
            failures += failed;
        });
    }
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    stop = true;
    for (auto& t : threads) t.join();
    return {events.load(), std::chrono::duration<double>(Clock::now() - start).count(), failures.load()};
}

std::string hik_notification(std::int64_t serial) {
    return R"({"dateTime":"2026-11-22T16:15:30+08:00","eventType":"AccessControllerEvent","eventState":"active",)"
           R"("AccessControllerEvent":{"majorEventType":5,"subEventType":75,"employeeNoString":"E1001","serialNo":)" +
           std::to_string(serial) + R"(,"mask":"yes","thermometryUnit":"celsius","currTemperature":36.5,"isAbnomalTemperature":false}})";
}

std::string zk_upload(int device, std::int64_t batch, int lines) {
    std::string body;
    for (int i = 0; i < lines; ++i) {
        // A distinct PIN and second per line, so that no line is a resend of another.
        const std::int64_t n = batch * lines + i;
        char line[128];
        std::snprintf(line, sizeof line, "%d%06lld\t2026-11-22 %02lld:%02lld:%02lld\t0\t15\t\t0\t0\t1\t36.5\n", device,
                      static_cast<long long>(n % 1000000), static_cast<long long>((n / 3600) % 24),
                      static_cast<long long>((n / 60) % 60), static_cast<long long>(n % 60));
        body += line;
    }
    return body;
}

std::string remote_check_notification(std::int64_t serial) {
    return R"({"dateTime":"2026-11-22T16:15:30+08:00","eventType":"AccessControllerEvent","AccessControllerEvent":)"
           R"({"majorEventType":5,"subEventType":75,"employeeNoString":"E1001","remoteCheck":true,"serialNo":)" +
           std::to_string(serial) + R"(,"thermometryUnit":"celsius","currTemperature":36.5}})";
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

/// The devices' own ISAPI server: when each remote-check answer arrived, by serialNo (each device has its own range).
class AnswerServer {
public:
    AnswerServer() {
        server_.Put(R"(/ISAPI/AccessControl/remoteCheck)", [this](const httplib::Request& req, httplib::Response& res) {
            const auto at = Clock::now();
            const auto key = std::to_string(serial_of(req.body));
            std::lock_guard lock(mutex_);
            arrived_[key] = at;
            res.set_content(R"({"statusCode":1})", "application/json");
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::yield();
    }
    ~AnswerServer() {
        server_.stop();
        thread_.join();
    }
    int port() const { return port_; }
    std::optional<Clock::time_point> arrived(const std::string& key) {
        std::lock_guard lock(mutex_);
        const auto f = arrived_.find(key);
        if (f == arrived_.end()) return std::nullopt;
        return f->second;
    }

private:
    static long long serial_of(const std::string& body) {
        const auto at = body.find("\"serialNo\":");
        return at == std::string::npos ? -1 : std::atoll(body.c_str() + at + 11);
    }
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::map<std::string, Clock::time_point> arrived_;
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"events/s through the Hikvision and ZKTeco adapters against the native ZeroMQ ingest"};
    int devices = 8, seconds = 10, lines = 20;
    app.add_option("--devices", devices, "devices (and native terminals) sending at once")->check(CLI::Range(1, 64));
    app.add_option("--seconds", seconds, "duration of each phase")->check(CLI::Range(1, 600));
    app.add_option("--lines", lines, "ATTLOG lines per ZKTeco upload")->check(CLI::Range(1, 1000));
    CLI11_PARSE(app, argc, argv);

    const int hik_port = free_port(), zk_port = free_port();
    std::string config = "[limits]\nterminal_rate = 0\n";
    config += "[[adapters]]\nid = \"hik\"\nkind = \"hikvision\"\nlisten = \"127.0.0.1:" + std::to_string(hik_port) + "\"\n";
    for (int d = 0; d < devices; ++d) {
        config += "[[adapters.devices]]\nserial = \"HIK" + std::to_string(d) + "\"\nterminal = \"t" + std::to_string(devices + d + 1) + "\"\n";
    }
    config += "[[adapters]]\nid = \"zk\"\nkind = \"zkteco\"\nlisten = \"127.0.0.1:" + std::to_string(zk_port) + "\"\n";
    for (int d = 0; d < devices; ++d) {
        config += "[[adapters.devices]]\nserial = \"ZK" + std::to_string(d) + "\"\nterminal = \"t" + std::to_string(2 * devices + d + 1) + "\"\n";
    }
    AnswerServer answers;
    const int rc_port = free_port();
    config += "[[adapters]]\nid = \"rc\"\nkind = \"hikvision\"\nlisten = \"127.0.0.1:" + std::to_string(rc_port) + "\"\n";
    for (int d = 0; d < devices; ++d) {
        config += "[[adapters.devices]]\nserial = \"RC" + std::to_string(d) + "\"\nterminal = \"t" + std::to_string(3 * devices + d + 1) +
                  "\"\nisapi_url = \"http://127.0.0.1:" + std::to_string(answers.port()) + "\"\n";
    }
    // t1..tN native, then N Hikvision, N ZKTeco, N remote-checking Hikvision terminals.
    GatewayFixture gw(4 * devices, config);
    std::printf("adapter_bench: %d devices per kind, %d s per phase, gatehoused on a real ledger (synchronous=FULL)\n",
                devices, seconds);

    auto native = [&](std::size_t window) {
        return [&, window](int d, std::atomic<bool>& stop, std::uint64_t& failed) -> std::uint64_t {
            TestTerminal t(gw.context(), gw.endpoint(), "t" + std::to_string(d + 1));
            const auto welcome = t.hello();
            std::int64_t seq = welcome["last_seq"].is_null() ? 1 : welcome["last_seq"].get<std::int64_t>() + 1;
            std::uint64_t acked = 0;
            std::size_t in_flight = 0;
            while (!stop || in_flight > 0) {
                while (!stop && in_flight < window) {
                    t.send_event(seq++);
                    ++in_flight;
                }
                auto reply = t.receive_reply(std::chrono::seconds(10));
                if (!reply) break;
                --in_flight;
                if (std::holds_alternative<ipc::Ack>(*reply)) {
                    ++acked;
                } else {
                    ++failed;
                }
            }
            return acked;
        };
    };
    const Rate native_1 = run_for(devices, seconds, native(1));
    const Rate native_64 = run_for(devices, seconds, native(64));

    const Rate hik = run_for(devices, seconds, [&](int d, std::atomic<bool>& stop, std::uint64_t& failed) -> std::uint64_t {
        httplib::Client c("127.0.0.1", hik_port);
        c.set_read_timeout(15, 0);
        std::uint64_t acked = 0;
        for (std::int64_t serial = 1; !stop; ++serial) {
            auto r = c.Post(("/hikvision/HIK" + std::to_string(d)).c_str(), hik_notification(serial), "application/json");
            if (r && r->status == 200) {
                acked += 2;
            } else {
                ++failed;
            }
        }
        return acked;
    });

    const Rate zk = run_for(devices, seconds, [&](int d, std::atomic<bool>& stop, std::uint64_t& failed) -> std::uint64_t {
        httplib::Client c("127.0.0.1", zk_port);
        c.set_read_timeout(15, 0);
        const std::string sn = "ZK" + std::to_string(d);
        (void)c.Get(("/iclock/cdata?SN=" + sn + "&options=all").c_str());
        std::uint64_t acked = 0;
        for (std::int64_t batch = 0; !stop; ++batch) {
            auto r = c.Post(("/iclock/cdata?SN=" + sn + "&table=ATTLOG").c_str(), zk_upload(d, batch, lines), "text/plain");
            if (r && r->status == 200) {
                acked += 2 * static_cast<std::uint64_t>(lines);
            } else {
                ++failed;
            }
        }
        return acked;
    });

    // Remote verification: one check at a time per device; latency to the answer's arrival on the device.
    std::mutex latencies_mutex;
    std::vector<double> remote_ms, native_ms;
    const Rate remote = run_for(devices, seconds, [&](int d, std::atomic<bool>& stop, std::uint64_t& failed) -> std::uint64_t {
        httplib::Client c("127.0.0.1", rc_port);
        c.set_read_timeout(15, 0);
        std::vector<double> mine;
        for (std::int64_t serial = 1'000'000LL * (d + 1); !stop; ++serial) {
            const auto sent = Clock::now();
            auto r = c.Post(("/hikvision/RC" + std::to_string(d)).c_str(), remote_check_notification(serial), "application/json");
            const auto at = answers.arrived(std::to_string(serial));
            if (r && r->status == 200 && at) {
                mine.push_back(std::chrono::duration<double, std::milli>(*at - sent).count());
            } else {
                ++failed;
            }
        }
        std::lock_guard lock(latencies_mutex);
        remote_ms.insert(remote_ms.end(), mine.begin(), mine.end());
        return mine.size();
    });
    const Rate native_requests = run_for(devices, seconds, [&](int d, std::atomic<bool>& stop, std::uint64_t& failed) -> std::uint64_t {
        TestTerminal t(gw.context(), gw.endpoint(), "t" + std::to_string(d + 1));
        std::vector<double> mine;
        for (int i = 0; !stop; ++i) {
            const auto sent = Clock::now();
            t.send(t.request("b" + std::to_string(i), "E1001"));
            auto reply = t.receive_reply(std::chrono::seconds(10));
            if (reply && std::holds_alternative<ipc::Decision>(*reply)) {
                mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
            } else {
                ++failed;
            }
        }
        std::lock_guard lock(latencies_mutex);
        native_ms.insert(native_ms.end(), mine.begin(), mine.end());
        return mine.size();
    });

    auto row = [](const char* name, const Rate& r, const Rate& reference) {
        std::printf("  %-44s %9.0f events/s  (%llu events, %llu failed)  %.2f of native, one at a time\n", name,
                    r.per_second(), static_cast<unsigned long long>(r.events), static_cast<unsigned long long>(r.failures),
                    reference.per_second() > 0 ? r.per_second() / reference.per_second() : 0.0);
    };
    row("native ZeroMQ, one event at a time", native_1, native_1);
    row("native ZeroMQ, window of 64", native_64, native_1);
    row("hikvision JSON post, 2 events, one at a time", hik, native_1);
    std::string zk_name = "zkteco ATTLOG upload of " + std::to_string(lines) + " lines, 2 events each";
    row(zk_name.c_str(), zk, native_1);
    std::printf("  remote check (post -> answer on the device)     p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms  (%zu checks, %llu "
                "failed; budget 1300 ms)\n",
                percentile(remote_ms, 0.5), percentile(remote_ms, 0.99), percentile(remote_ms, 1.0), remote_ms.size(),
                static_cast<unsigned long long>(remote.failures));
    std::printf("  reference: native access_request -> decision   p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms  (%zu requests, "
                "%llu failed)\n",
                percentile(native_ms, 0.5), percentile(native_ms, 0.99), percentile(native_ms, 1.0), native_ms.size(),
                static_cast<unsigned long long>(native_requests.failures));
    return 0;
}
