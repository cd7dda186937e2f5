// Forwarding benchmark (issue 4), against references measured in the same run:
//  (a) drain rate of a backlog of N queued records (routine lane, ~200-byte bodies) from the outbox to a local
//      mosquitto at QoS 1, timed until the last record is confirmed in the outbox, against a bare libmosquitto
//      QoS 1 publisher of the same payloads with the same in-flight window and the same number of messages
//      handed to the library;
//  (b) ledger ingest rate (Ledger::append of event batches, each event with a routine outbox entry) while a
//      forwarder drains to the broker at the same time, against the same ingest with no forwarder.
//
// Usage: forwarding_bench [--records N] [--ingest-events N] [--inflight W] [--batch B] [--dir DIR] [--batch-by-batch 1] [--rounds R]
// --batch-by-batch 1 drives the MQTT sink through deliver() only, one batch at a time (the forwarder's path
// before pipelining), for a comparison under the same conditions.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <mosquitto.h>
#include <spdlog/spdlog.h>

#include "child_process.hpp"
#include "gatehouse/daemon/forwarding/forwarder.hpp"
#include "gatehouse/daemon/forwarding/mqtt_sink.hpp"
#include "gatehouse/daemon/forwarding/record_envelope.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "gatehouse/storage/outbox.hpp"
#include "mosquitto_broker.hpp"

using namespace gatehouse;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using daemon::forwarding::UpstreamSink;
using storage::OutboxLane;

namespace {

struct Args {
    std::int64_t records = 1'000'000;
    std::int64_t ingest_events = 200'000;
    int inflight = 100;
    std::size_t batch = 1000;
    std::filesystem::path dir = std::filesystem::temp_directory_path() / "gatehouse-forwarding-bench";
    bool batch_by_batch = false;
    int rounds = 3;
};

Args parse(int argc, char** argv) {
    Args a;
    CLI::App app{"Outbox drain rate to a real mosquitto against raw libmosquitto, and ingest with forwarding on "
                 "against ingest alone."};
    app.add_option("--records", a.records, "records in the drain run")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000'000}))->capture_default_str();
    app.add_option("--ingest-events", a.ingest_events, "events in the ingest runs")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000'000}))->capture_default_str();
    app.add_option("--inflight", a.inflight, "QoS 1 messages in flight")->check(CLI::Range(1, 65535))->capture_default_str();
    app.add_option("--batch", a.batch, "records per outbox batch")->check(CLI::Range(1, 100'000))->capture_default_str();
    app.add_option("--dir", a.dir, "directory for the ledgers")->capture_default_str();
    app.add_option("--batch-by-batch", a.batch_by_batch, "wait for each batch's acks before the next (1) or not (0)")
        ->capture_default_str();
    app.add_option("--rounds", a.rounds, "rounds of each measurement; the median is reported")
        ->check(CLI::Range(1, 100))->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        std::exit(app.exit(e));
    }
    return a;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::int64_t utc_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// mosquitto on 127.0.0.1 without persistence or logging: the broker's cost is the same for both publishers.
class BenchBroker {
public:
    explicit BenchBroker(const std::filesystem::path& dir) : port_(test::free_loopback_port()) {
        const auto config = dir / "mosquitto.conf";
        std::ofstream(config) << "listener " << port_ << " 127.0.0.1\nallow_anonymous true\npersistence false\n"
                              << "log_dest none\n" << (::geteuid() == 0 ? "user root\n" : "");
        process_ = std::make_unique<test::ChildProcess>(test::MosquittoBroker::kProgram,
                                                        std::vector<std::string>{"-c", config.string()}, dir);
        const auto deadline = Clock::now() + 10s;
        while (!test::loopback_port_open(port_)) {
            if (Clock::now() > deadline || !process_->running()) throw std::runtime_error("mosquitto did not start");
            std::this_thread::sleep_for(20ms);
        }
    }
    int port() const { return port_; }

private:
    int port_;
    std::unique_ptr<test::ChildProcess> process_;  // killed and reaped by PID when the bench ends
};

/// The body of the n-th record: ~200 bytes, like a door event with its context.
std::string record_body(std::int64_t n) {
    char body[256];
    std::snprintf(body, sizeof body,
                  R"({"terminal":"door-%02lld","seq":%lld,"event":"door_open","person":"P%05lld","method":"card",)"
                  R"("direction":"in","occurred_ms":%lld,"note":"routine bench record padded to about 200 bytes xx"})",
                  static_cast<long long>(n % 16), static_cast<long long>(n), static_cast<long long>(n % 50000),
                  static_cast<long long>(1'790'000'000'000 + n));
    return body;
}

storage::LedgerOptions ledger_options(const std::filesystem::path& path) {
    storage::LedgerOptions o;
    o.path = path;
    o.gateway_id = "bench-gw";
    o.outbox_limits.of(OutboxLane::routine).max_bytes = 4096 * storage::OutboxLimits::kMiB;  // keep every record
    return o;
}

void fresh(const std::filesystem::path& db) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + suffix);
}

/// Appends `count` records (routine lane), `per_batch` per transaction, each with an event when `with_events`.
void queue_records(storage::Ledger& ledger, std::int64_t count, std::int64_t per_batch, bool with_events,
                   std::int64_t first = 0) {
    storage::LedgerBatch batch;
    for (std::int64_t done = 0; done < count;) {
        batch.events.clear();
        batch.outbox.clear();
        for (std::int64_t i = 0; i < per_batch && done < count; ++i, ++done) {
            const std::int64_t n = first + done;
            const std::int64_t now = utc_now_ms();
            if (with_events) {
                batch.events.push_back({"bench-" + std::to_string(n % 8), n / 8 + 1, "g1", "credential",
                                        "P" + std::to_string(n % 5000), now, now + 3, false,
                                        R"({"person":"P1","method":"card"})"});
            }
            batch.outbox.push_back({OutboxLane::routine, "door_open", "g1", now, record_body(n)});
        }
        ledger.append(batch);
    }
}

daemon::forwarding::SinkConfig mqtt_config(int port, const Args& a) {
    daemon::forwarding::SinkConfig c;
    c.name = "mqtt";
    c.type = daemon::forwarding::SinkType::mqtt;
    c.lanes = {OutboxLane::alert, OutboxLane::record, OutboxLane::routine};
    c.max_batch = a.batch;
    c.mqtt.brokers = {{"127.0.0.1", port}};
    c.mqtt.client_id = "bench-gw-forwarder";
    c.mqtt.max_inflight = a.inflight;
    c.mqtt.publish_timeout = 30s;
    return c;
}

/// Hides a sink's pipelined side, so that the forwarder calls deliver() batch by batch.
class BatchByBatchSink final : public UpstreamSink {
public:
    explicit BatchByBatchSink(std::unique_ptr<UpstreamSink> inner) : inner_(std::move(inner)) {}
    const std::string& name() const override { return inner_->name(); }
    bool accepts(OutboxLane lane) const override { return inner_->accepts(lane); }
    std::size_t max_batch() const override { return inner_->max_batch(); }
    daemon::forwarding::DeliveryReport deliver(std::span<const storage::OutboxRecord> records) override {
        return inner_->deliver(records);
    }

private:
    std::unique_ptr<UpstreamSink> inner_;
};

/// The MQTT sink as the bench drives it: pipelined (the forwarder's way), or batch by batch for comparison.
std::unique_ptr<UpstreamSink> bench_sink(const daemon::forwarding::SinkConfig& config,
                                         const daemon::forwarding::SinkIdentity& identity, const Args& a) {
    auto sink = std::make_unique<daemon::forwarding::MqttSink>(config, identity);
    if (!a.batch_by_batch) return sink;
    return std::make_unique<BatchByBatchSink>(std::move(sink));
}

/// Records the forwarder's one sink confirmed in the outbox so far (this run).
std::int64_t confirmed(const daemon::forwarding::Forwarder& forwarder) {
    const auto s = forwarder.snapshot();
    return s.sinks.empty() ? 0 : static_cast<std::int64_t>(s.sinks.front().delivered);
}

/// Reference: libmosquitto alone, QoS 1, the same in-flight window, at most two batches of messages handed
/// to the library and not yet acknowledged (as many as the forwarder keeps in its MQTT sink's hands).
double bare_publisher_rate(int port, const Args& a, const std::vector<std::string>& payloads, const std::string& topic) {
    struct State {
        std::mutex mutex;
        std::condition_variable changed;
        std::int64_t acked = 0;
        bool connected = false;
    } state;
    mosquitto* client = mosquitto_new("bench-bare-publisher", true, &state);
    if (!client) throw std::runtime_error("mosquitto_new failed");
    mosquitto_int_option(client, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_max_inflight_messages_set(client, static_cast<unsigned>(a.inflight));
    mosquitto_connect_callback_set(client, [](mosquitto*, void* p, int rc) {
        auto& s = *static_cast<State*>(p);
        std::lock_guard lock(s.mutex);
        s.connected = rc == 0;
        if (rc != 0) std::fprintf(stderr, "bare publisher: broker refused: %s\n", mosquitto_connack_string(rc));
        s.changed.notify_all();
    });
    mosquitto_publish_callback_set(client, [](mosquitto*, void* p, int) {
        auto& s = *static_cast<State*>(p);
        std::lock_guard lock(s.mutex);
        ++s.acked;
        s.changed.notify_all();
    });
    if (mosquitto_connect(client, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS) throw std::runtime_error("bare: connect failed");
    if (const int rc = mosquitto_loop_start(client); rc != MOSQ_ERR_SUCCESS) {
        throw std::runtime_error(std::string("bare: cannot start the network thread: ") + mosquitto_strerror(rc));
    }
    {
        std::unique_lock lock(state.mutex);
        if (!state.changed.wait_for(lock, 5s, [&] { return state.connected; })) throw std::runtime_error("bare: no CONNACK");
    }
    const auto queue = 2 * static_cast<std::int64_t>(a.batch);
    const auto start = Clock::now();
    for (std::int64_t sent = 0; sent < a.records; ++sent) {
        {
            std::unique_lock lock(state.mutex);
            state.changed.wait(lock, [&] { return sent - state.acked < queue; });
        }
        const std::string& payload = payloads[static_cast<std::size_t>(sent) % payloads.size()];
        const int rc = mosquitto_publish(client, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 1, false);
        if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error(std::string("bare: publish failed: ") + mosquitto_strerror(rc));
    }
    {
        std::unique_lock lock(state.mutex);
        state.changed.wait(lock, [&] { return state.acked >= a.records; });
    }
    const double rate = static_cast<double>(a.records) / seconds_since(start);
    mosquitto_disconnect(client);
    mosquitto_loop_stop(client, false);
    mosquitto_destroy(client);
    return rate;
}

daemon::forwarding::ForwardingConfig unlimited_forwarding() {
    daemon::forwarding::ForwardingConfig f;
    f.enabled = true;
    f.max_drain_rate = 0;  // the bench measures how fast it can drain
    f.retry_initial = 100ms;
    f.retry_max = 1s;
    f.limits = ledger_options("").outbox_limits;
    return f;
}

}  // namespace

int run(const Args& a) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines appear as they happen, also through a pipe
    spdlog::set_level(spdlog::level::warn);
    std::filesystem::create_directories(a.dir);
    std::printf("gatehouse forwarding benchmark: %lld queued records, %lld ingest events, in-flight window %d, batch %zu%s\n"
                "files in %s\n\n",
                static_cast<long long>(a.records), static_cast<long long>(a.ingest_events), a.inflight, a.batch,
                a.batch_by_batch ? ", MQTT sink driven batch by batch (no pipelining)" : "", a.dir.c_str());

    // (a) The outage: records pile up while no broker (and no forwarder) is there.
    const auto backlog_db = a.dir / "backlog.db";
    fresh(backlog_db);
    {
        storage::Ledger ledger(ledger_options(backlog_db));
        const auto t0 = Clock::now();
        queue_records(ledger, a.records, 1000, /*with_events=*/false);
        std::printf("queued %lld records in %.1f s\n", static_cast<long long>(a.records), seconds_since(t0));
    }
    BenchBroker broker(a.dir);

    // The broker is back: a forwarder starts and drains; timed until the last record is confirmed in the
    // outbox (the sink's PUBACK and the forwarder's confirmation both counted).
    double drain_rate = 0;
    {
        const daemon::forwarding::SinkIdentity identity{"bench-gw", "bench-site"};
        std::vector<std::unique_ptr<UpstreamSink>> sinks;
        sinks.push_back(bench_sink(mqtt_config(broker.port(), a), identity, a));
        const auto start = Clock::now();
        daemon::forwarding::Forwarder forwarder(unlimited_forwarding(), backlog_db, std::move(sinks));
        while (confirmed(forwarder) < a.records) std::this_thread::sleep_for(5ms);
        drain_rate = static_cast<double>(a.records) / seconds_since(start);
        const auto s = forwarder.snapshot();
        if (!s.sinks.empty() && !s.sinks[0].last_error.empty()) std::printf("   (last error: %s)\n", s.sinks[0].last_error.c_str());
    }
    {
        storage::Outbox outbox({backlog_db});
        const auto left = outbox.sink_backlog("mqtt");
        std::printf("   outbox after the drain: %lld unconfirmed, %lld delivered in total\n",
                    static_cast<long long>(left.records), static_cast<long long>(left.delivered));
    }

    // The same payloads, published bare.
    std::vector<std::string> payloads;
    for (std::int64_t n = 0; n < 10000; ++n) {
        storage::OutboxRecord r;
        r.id = n + 1;
        r.lane = OutboxLane::routine;
        r.lane_seq = n + 1;
        r.key = "bench-gw:routine:" + std::to_string(n + 1);
        r.kind = "door_open";
        r.gate = "g1";
        r.created_ms = utc_now_ms();
        r.body_json = record_body(n);
        payloads.push_back(*daemon::forwarding::record_envelope(r));
    }
    const double bare_rate =
        bare_publisher_rate(broker.port(), a, payloads, "gatehouse/bench-site/bench-gw/routine/door_open");
    std::printf("(a) backlog drain to mosquitto, QoS 1, in-flight %d (payload ~%zu bytes)\n", a.inflight, payloads[0].size());
    std::printf("   forwarder drain   : %10.0f records/s\n", drain_rate);
    std::printf("   bare libmosquitto : %10.0f messages/s (same payloads, same window)\n", bare_rate);
    std::printf("   ratio             : %10.2f  (goal >= 0.7)\n\n", drain_rate / bare_rate);

    // (b) Ingest with and without a forwarder at the same time: alone, with a forwarder that drains as fast as it
    // can (the worst case: it takes all the CPU it can get), and with one at the daemon's default
    // max_drain_rate. Runs interleaved, `rounds` times, so a change in the machine's load hits all three alike.
    enum class Forwarding { none, unlimited, default_rate };
    const auto ingest = [&](Forwarding mode, int round) {
        const auto db = a.dir / ("ingest-" + std::to_string(static_cast<int>(mode)) + "-" + std::to_string(round) + ".db");
        fresh(db);
        storage::Ledger ledger(ledger_options(db));
        std::unique_ptr<daemon::forwarding::Forwarder> forwarder;
        if (mode != Forwarding::none) {
            std::vector<std::unique_ptr<UpstreamSink>> sinks;
            auto config = mqtt_config(broker.port(), a);
            config.mqtt.client_id = "bench-gw-ingest-" + std::to_string(static_cast<int>(mode)) + "-" + std::to_string(round);
            sinks.push_back(bench_sink(config, daemon::forwarding::SinkIdentity{"bench-gw", "ingest"}, a));
            auto forwarding = unlimited_forwarding();
            if (mode == Forwarding::default_rate) forwarding.max_drain_rate = daemon::forwarding::ForwardingConfig{}.max_drain_rate;
            forwarder = std::make_unique<daemon::forwarding::Forwarder>(forwarding, db, std::move(sinks));
        }
        const auto start = Clock::now();
        constexpr std::int64_t kBatch = 500;
        for (std::int64_t done = 0; done < a.ingest_events; done += kBatch) {
            queue_records(ledger, std::min(kBatch, a.ingest_events - done), kBatch, /*with_events=*/true, done);
            if (forwarder) forwarder->wake();
        }
        const double rate = static_cast<double>(a.ingest_events) / seconds_since(start);
        const std::int64_t forwarded = forwarder ? confirmed(*forwarder) : 0;
        return std::pair{rate, forwarded};
    };
    std::printf("(b) ledger ingest, events with a routine outbox entry each, %d per transaction, synchronous=FULL,\n"
                "    %d interleaved rounds of %lld events\n", 500, a.rounds, static_cast<long long>(a.ingest_events));
    std::printf("   round   alone ev/s   unlimited fwd ev/s (ratio, forwarded)   fwd at %.0f/s ev/s (ratio, forwarded)\n",
                daemon::forwarding::ForwardingConfig{}.max_drain_rate);
    std::vector<double> unlimited_ratios, default_ratios;
    for (int round = 1; round <= a.rounds; ++round) {
        const auto alone = ingest(Forwarding::none, round);
        const auto unlimited = ingest(Forwarding::unlimited, round);
        const auto paced = ingest(Forwarding::default_rate, round);
        unlimited_ratios.push_back(unlimited.first / alone.first);
        default_ratios.push_back(paced.first / alone.first);
        std::printf("   %5d %12.0f %12.0f (%.2f, %7lld) %18.0f (%.2f, %7lld)\n", round, alone.first, unlimited.first,
                    unlimited_ratios.back(), static_cast<long long>(unlimited.second), paced.first, default_ratios.back(),
                    static_cast<long long>(paced.second));
    }
    const auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    };
    std::printf("   ratio, forwarder draining unlimited   : %.2f median  (goal >= 0.8)\n", median(unlimited_ratios));
    std::printf("   ratio, forwarder at the default rate  : %.2f median  (goal >= 0.8)\n", median(default_ratios));
    return 0;
}

int main(int argc, char** argv) {
    const Args a = parse(argc, argv);
    try {
        return run(a);
    } catch (const std::exception& e) {
        // Caught here so that the broker (a child process) is stopped on the way out.
        std::fprintf(stderr, "forwarding_bench: %s\n", e.what());
        return 1;
    }
}
