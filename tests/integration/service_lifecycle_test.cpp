// gatehoused as a systemd service: sd_notify through a fake NOTIFY_SOCKET, watchdog, reload under load.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>

#include <fstream>
#include <iterator>

#include <SQLiteCpp/Database.h>

#include "eventually.hpp"
#include "gateway_fixture.hpp"
#include "test_terminal.hpp"

using namespace gatehouse::test;
using nlohmann::json;

namespace {

// The listening end of a NOTIFY_SOCKET, as systemd would hold it.
class FakeNotifySocket {
public:
    explicit FakeNotifySocket(const std::filesystem::path& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    }
    ~FakeNotifySocket() { ::close(fd_); }
    /// Next datagram, or empty after `timeout`.
    std::string receive(std::chrono::milliseconds timeout) {
        timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[4096];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
    }
    /// Discards what was sent before now.
    void drain() {
        while (!receive(std::chrono::milliseconds(1)).empty()) {
        }
    }
    int count_containing(const std::string& needle, std::chrono::milliseconds during) {
        int n = 0;
        const auto until = std::chrono::steady_clock::now() + during;
        while (std::chrono::steady_clock::now() < until) {
            if (receive(std::chrono::milliseconds(20)).find(needle) != std::string::npos) ++n;
        }
        return n;
    }

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

// Sets environment variables for the daemons this test starts; restores them afterwards.
class ScopedEnv {
public:
    ScopedEnv(std::initializer_list<std::pair<const char*, std::string>> vars) {
        for (const auto& [k, v] : vars) {
            names_.push_back(k);
            ::setenv(k, v.c_str(), 1);
        }
    }
    ~ScopedEnv() {
        for (const auto* k : names_) ::unsetenv(k);
    }

private:
    std::vector<const char*> names_;
};

}  // namespace

TEST_CASE("READY=1 comes only once the sockets are bound, the watchdog stops when a commit hangs",
          "[integration][systemd]") {
    TempDir notify_dir;
    FakeNotifySocket notify(notify_dir / "notify.sock");
    ScopedEnv env({{"NOTIFY_SOCKET", (notify_dir / "notify.sock").string()}, {"WATCHDOG_USEC", "200000"}});
    GatewayFixture gw;  // returns once the control socket answers; READY must already have been sent
    std::string ready;
    for (int i = 0; i < 50 && ready.find("READY=1") == std::string::npos; ++i) ready = notify.receive(std::chrono::milliseconds(100));
    REQUIRE_THAT(ready, Catch::Contains("READY=1"));
    CHECK_THAT(ready, Catch::Contains("STATUS=2 gates, 0/3 terminals online"));
    // The order is the point: everything READY promises answers right after it.
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    t1.send_event(1);
    REQUIRE(t1.expect_reply()["type"] == "ack");

    // Pinged at half the 200 ms interval: about 30 in 3 s. Counted over 3 s, not one, so that a loaded sanitizer
    // build's scheduling cannot make a healthy reactor look stuck.
    CHECK(notify.count_containing("WATCHDOG=1", std::chrono::milliseconds(3000)) >= 10);

    // Another process holds the ledger's write lock: the next commit hangs in the busy wait.
    SQLite::Database blocker(gw.ledger_path().string(), SQLite::OPEN_READWRITE);
    blocker.exec("BEGIN IMMEDIATE");
    t1.send_event(2);
    // Once the reactor is stuck in that commit, a whole second (5 watchdog intervals) passes without a ping.
    CHECK(eventually([&] {
        notify.drain();
        return notify.count_containing("WATCHDOG=1", std::chrono::milliseconds(1000)) == 0;
    }));
    blocker.exec("ROLLBACK");
    CHECK(t1.expect_reply()["type"] == "ack");
    CHECK(notify.count_containing("WATCHDOG=1", std::chrono::milliseconds(2000)) >= 2);

    gw.process().signal(SIGTERM);
    CHECK(notify.count_containing("STOPPING=1", std::chrono::milliseconds(1000)) == 1);
    CHECK(gw.process().wait() == 0);
}

TEST_CASE("SIGHUP reloads a valid configuration and rejects an invalid one, under load, losing nothing",
          "[integration][reload]") {
    GatewayFixture gw(2);
    const std::string original = [&] {
        std::ifstream in(gw.config_path());
        return std::string(std::istreambuf_iterator<char>(in), {});
    }();
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    TestTerminal t3(gw.context(), gw.endpoint(), "t3");
    t3.send_event(1);
    CHECK(t3.expect_reply()["code"] == "unknown_terminal");

    std::int64_t seq = 0;
    std::size_t acked = 0;
    auto burst = [&](int n) {
        for (int i = 0; i < n; ++i) t1.send_event(++seq);
    };
    auto collect = [&](int n) {
        for (int i = 0; i < n; ++i) {
            const json reply = t1.expect_reply();
            REQUIRE(reply["type"] == "ack");
            ++acked;
        }
    };

    burst(300);
    std::ofstream(gw.config_path()) << original << "\n[[terminals]]\nid = \"t3\"\ngate = \"g1\"\n";
    gw.process().signal(SIGHUP);
    burst(300);
    collect(600);
    // SIGHUP is handled by the reactor between messages: t3 is refused until the reload has happened.
    CHECK(eventually([&] {
        t3.send_event(1);
        return t3.expect_reply()["type"] == "ack";
    }));

    std::ofstream(gw.config_path()) << original << "\n[[terminals]]\nid = \"t3\"\ngate = \"nowhere\"\n";
    burst(300);
    // This time through the CLI, which asks over the control socket and is told the file was refused.
    const auto cli = run_command(bin("gatehouse"), {"reload", "--control", gw.control_endpoint()}, gw.dir().path());
    CHECK(cli.exit_code == 1);
    CHECK_THAT(cli.err, Catch::Contains("configuration refused") && Catch::Contains("names gate 'nowhere'"));
    burst(300);
    collect(600);
    t3.send_event(2);  // the CLI's reload answered: it was refused before the CLI returned
    CHECK(t3.expect_reply()["type"] == "ack");  // the previous configuration is still in force
    CHECK(acked == 1200);
    CHECK(gw.status()["counters"]["events_stored"] == 1202);
    const std::string log = gw.process().stderr_text();
    CHECK_THAT(log, Catch::Contains("configuration reloaded") && Catch::Contains("reload rejected") &&
                        Catch::Contains("terminal 't3' names gate 'nowhere'"));
    CHECK(gw.process().running());
}

TEST_CASE("the control socket is created with mode 0660", "[integration][systemd]") {
    GatewayFixture gw(1);
    const auto perms = std::filesystem::status(gw.dir() / "control.sock").permissions();
    using std::filesystem::perms;
    CHECK(perms == (perms::owner_read | perms::owner_write | perms::group_read | perms::group_write));
}

TEST_CASE("the metrics endpoint serves Prometheus text that Prometheus' own parser reads",
          "[integration][metrics]") {
    GatewayFixture gw(2);
    TestTerminal t1(gw.context(), gw.endpoint(), "t1");
    for (int seq = 1; seq <= 3; ++seq) t1.send_event(seq);
    t1.send_event(1);          // a duplicate
    t1.send_raw("not json");   // an error
    for (int i = 0; i < 5; ++i) t1.expect_reply();
    const std::string address = gw.status()["endpoints"]["metrics"].get<std::string>();
    // prometheus_client's text parser (Debian's python3-prometheus-client) is the judge of the format.
    const std::string script =
        "import json, sys, urllib.request\n"
        "from prometheus_client.parser import text_string_to_metric_families\n"
        "text = urllib.request.urlopen('http://" + address + "/metrics', timeout=5).read().decode()\n"
        "out = {}\n"
        "for family in text_string_to_metric_families(text):\n"
        "    for s in family.samples:\n"
        "        key = s.name + ''.join(f'|{k}={v}' for k, v in sorted(s.labels.items()))\n"
        "        out[key] = s.value\n"
        "print(json.dumps(out))\n";
    std::ofstream(gw.dir() / "scrape.py") << script;
    const auto r = run_command("/usr/bin/python3", {(gw.dir() / "scrape.py").string()}, gw.dir().path(), std::chrono::seconds(20));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json m = json::parse(r.out);
    CHECK(m["gatehouse_events_total|kind=credential"] == 3);
    CHECK(m["gatehouse_acks_total|duplicate=false"] == 3);
    CHECK(m["gatehouse_acks_total|duplicate=true"] == 1);
    CHECK(m["gatehouse_protocol_errors_total|code=malformed_json"] == 1);
    CHECK(m["gatehouse_terminals_online"] == 1);
    CHECK(m["gatehouse_terminals_configured"] == 2);
    CHECK(m["gatehouse_ledger_commit_seconds_count"].get<double>() >= 1);
    CHECK(m["gatehouse_ledger_commit_seconds_bucket|le=+Inf"] == m["gatehouse_ledger_commit_seconds_count"]);
    CHECK(m["gatehouse_ledger_size_bytes"].get<double>() > 0);
    CHECK(m.contains("gatehouse_build_info|version=" + std::string(gw.status()["version"])));
}
