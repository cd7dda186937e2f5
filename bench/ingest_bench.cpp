// Ingest benchmark (issue 2): acknowledged events per second through the real gateway path
// (DEALER → ROUTER → validate → ledger → ack) against the raw SQLiteCpp batched-insert rate of the same rows
// with the same schema, indexes and synchronous setting; then ack latency at a steady 1,000 events/s from
// 50 terminals against a bare ZeroMQ DEALER↔ROUTER round trip. Prints each figure with its reference.
//
// Usage: ingest_bench [--events N] [--dir DIR] [--latency-seconds S] [--commit-window-us U]; --help lists them
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "gatehouse/daemon/gateway.hpp"
#include "gatehouse/daemon/terminal_simulator.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/schema_migrations.hpp"

using namespace gatehouse;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
    std::int64_t events = 200000;
    std::filesystem::path dir = std::filesystem::temp_directory_path() / "gatehouse-bench";
    double latency_seconds = 10;
    std::int64_t commit_window_us = -1;  // -1: the configuration default
};

Args parse(int argc, char** argv) {
    Args a;
    CLI::App app{"Acked events/s through the real gateway path against raw SQLiteCpp batched inserts, then ack "
                 "latency at 1,000 events/s against a bare ZeroMQ round trip."};
    app.add_option("--events", a.events, "events for the throughput runs")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000'000}))->capture_default_str();
    app.add_option("--dir", a.dir, "directory for the ledgers (its earlier ledgers are replaced)")->capture_default_str();
    app.add_option("--latency-seconds", a.latency_seconds, "seconds of the steady-rate latency run")
        ->check(CLI::Range(0.1, 3600.0))->capture_default_str();
    app.add_option("--commit-window-us", a.commit_window_us, "group-commit window; -1 keeps the configuration default")
        ->check(CLI::Range(std::int64_t{-1}, std::int64_t{10'000'000}))->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        std::exit(app.exit(e));
    }
    return a;
}

daemon::GatewayConfig bench_config(const std::filesystem::path& ledger, int terminals, std::int64_t commit_window_us) {
    daemon::GatewayConfig c;
    if (commit_window_us >= 0) c.commit_window = std::chrono::microseconds(commit_window_us);
    c.terminal_endpoint = "tcp://127.0.0.1:*";
    c.metrics_listen.clear();
    c.control_endpoint = "ipc://" + (ledger.parent_path() / "control.sock").string();
    c.ledger_path = ledger;
    // Plaintext and unlimited, like the bare ZeroMQ and SQLite references the figures are compared with.
    c.security.insecure_plaintext = true;
    c.terminal_rate = 0;
    c.gates.push_back({"g1", "bench gate", "in"});
    for (int i = 0; i < terminals; ++i) c.terminals.push_back({"bench-" + std::to_string(i), "g1", "card_reader"});
    return c;
}

// Reference: the rows the gateway writes, inserted directly through SQLiteCpp in batches of 1000 with the same
// schema (the project's own migrations), WAL and synchronous=FULL.
double raw_sqlite_rate(const std::filesystem::path& path, std::int64_t rows) {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    storage::migrate_schema(db, storage::latest_schema_version());
    SQLite::Statement insert(db,
                             "INSERT INTO events (terminal, seq, gate, kind, person, occurred_ms, received_ms, offline, data) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (terminal, seq) DO NOTHING");
    const std::int64_t now = 1'790'000'000'000;
    const auto start = Clock::now();
    for (std::int64_t done = 0; done < rows;) {
        SQLite::Transaction tx(db);
        for (int i = 0; i < 1000 && done < rows; ++i, ++done) {
            char person[16], data[64];
            std::snprintf(person, sizeof person, "P%05u", static_cast<unsigned>(done * 2654435761u % 5000u));
            std::snprintf(data, sizeof data, R"({"person":"%s","method":"card"})", person);
            insert.reset();
            insert.bind(1, "bench-" + std::to_string(done % 8));
            insert.bind(2, done / 8 + 1);
            insert.bind(3, "g1");
            insert.bind(4, "credential");
            insert.bind(5, person);
            insert.bind(6, now + done);
            insert.bind(7, now + done + 3);
            insert.bind(8, 0);
            insert.bind(9, data);
            insert.exec();
        }
        tx.commit();
    }
    return static_cast<double>(rows) / std::chrono::duration<double>(Clock::now() - start).count();
}

daemon::SimulatorReport through_gateway(const Args& a, const std::filesystem::path& dir, int terminals, double rate,
                                        std::int64_t count, std::chrono::milliseconds duration, std::size_t window) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all);  // as a ledger directory should be
    daemon::Gateway gateway(bench_config(dir / "ledger.db", terminals, a.commit_window_us));
    std::thread reactor([&gateway] { gateway.run(); });
    daemon::SimulatorOptions sim;
    sim.endpoint = gateway.terminal_endpoint();
    for (int i = 0; i < terminals; ++i) sim.terminal_ids.push_back("bench-" + std::to_string(i));
    sim.rate = rate;
    sim.count = count;
    sim.duration = duration;
    sim.window = window;
    sim.heartbeat_interval = std::chrono::seconds(5);
    const auto report = daemon::run_simulation(sim);
    gateway.request_stop();
    reactor.join();
    return report;
}

// Reference for latency: a bare DEALER↔ROUTER echo over tcp loopback, one message in flight.
std::vector<double> bare_zmq_round_trips(int samples) {
    zmq::context_t context(1);
    zmq::socket_t router(context, zmq::socket_type::router);
    router.bind("tcp://127.0.0.1:*");
    const std::string endpoint = router.get(zmq::sockopt::last_endpoint);
    std::thread echo([&router, samples] {
        for (int i = 0; i < samples; ++i) {
            zmq::message_t id, body;
            (void)router.recv(id);
            (void)router.recv(body);
            router.send(id, zmq::send_flags::sndmore);
            router.send(body, zmq::send_flags::none);
        }
    });
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    dealer.connect(endpoint);
    const std::string payload(120, 'x');
    std::vector<double> ms;
    for (int i = 0; i < samples; ++i) {
        const auto t0 = Clock::now();
        dealer.send(zmq::buffer(payload), zmq::send_flags::none);
        zmq::message_t reply;
        (void)dealer.recv(reply);
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        std::this_thread::sleep_for(std::chrono::microseconds(500));  // the same sparse pacing as 1,000 events/s
    }
    echo.join();
    std::sort(ms.begin(), ms.end());
    return ms;
}

double at(const std::vector<double>& sorted, double p) {
    return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5))];
}

}  // namespace

int main(int argc, char** argv) {
    const Args a = parse(argc, argv);
    spdlog::set_level(spdlog::level::warn);  // per-terminal "online" lines would drown the figures
    std::filesystem::create_directories(a.dir);
    std::printf("gatehouse ingest benchmark: %lld events, files in %s\n\n", static_cast<long long>(a.events), a.dir.c_str());

    std::filesystem::remove(a.dir / "raw.db");
    std::filesystem::remove(a.dir / "raw.db-wal");
    std::filesystem::remove(a.dir / "raw.db-shm");
    const double raw = raw_sqlite_rate(a.dir / "raw.db", a.events);
    const auto throughput = through_gateway(a, a.dir / "gateway", 8, 0, a.events, std::chrono::minutes(5), 2000);
    std::printf("1. acked events/s through the gateway (8 terminals, unpaced)\n");
    std::printf("   gateway path : %10.0f events/s  (%llu acked, %llu unacked, %.2f s)\n", throughput.acked_per_second(),
                static_cast<unsigned long long>(throughput.acked), static_cast<unsigned long long>(throughput.unacked),
                throughput.seconds);
    std::printf("   raw SQLiteCpp: %10.0f rows/s    (same rows, schema, indexes, WAL, synchronous=FULL, 1000/tx)\n", raw);
    std::printf("   ratio        : %10.2f          (goal >= 0.75)\n\n", throughput.acked_per_second() / raw);

    const auto steady = through_gateway(a, a.dir / "latency", 50, 1000, 0,
                                        std::chrono::milliseconds(static_cast<int>(a.latency_seconds * 1000)), 512);
    const auto bare = bare_zmq_round_trips(5000);
    std::printf("2. ack latency at a steady 1,000 events/s from 50 terminals (%.0f s, %llu events, %llu unacked)\n",
                a.latency_seconds, static_cast<unsigned long long>(steady.acked),
                static_cast<unsigned long long>(steady.unacked));
    std::printf("   gateway ack  : p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms  (goal p99 <= 5 ms)\n", steady.p50_ms,
                steady.p90_ms, steady.p99_ms, steady.max_ms);
    std::printf("   bare ZeroMQ  : p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  (DEALER<->ROUTER echo, tcp loopback)\n",
                at(bare, 0.5), at(bare, 0.9), at(bare, 0.99));
    return throughput.unacked == 0 && steady.unacked == 0 ? 0 : 1;
}
