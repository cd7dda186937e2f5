// Soak benchmark (issue 7; not run by CI): the real gatehoused for N minutes under 1,000 events/s from four
// terminals, access requests at 10/s on a gate whose synthetic thermal camera streams 25 fps, and forwarding to
// a local mosquitto. Every 10 s the daemon's RSS, the ledger's size, the outbox backlog and the decision p99 of
// the last 10 s go to a CSV; at the end the goal checks are printed: RSS growth after warm-up < 5 %, decision
// p99 of the first and last minute, and nothing lost (every acked event stored once, every one forwarded).
//
// Usage: soak_bench [--minutes N (30)] [--rate EVENTS_PER_S (1000)] [--csv FILE (soak.csv)]; --help lists them
//        then bench/plot_soak.sh soak.csv docs/soak.png
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <mosquitto.h>
#include <nlohmann/json.hpp>
#include <SQLiteCpp/SQLiteCpp.h>
#include <zmq.hpp>

#include "gatehouse/ipc/terminal_codec.hpp"
#include "gateway_fixture.hpp"
#include "mosquitto_broker.hpp"

using namespace gatehouse::test;
using Clock = std::chrono::steady_clock;
using nlohmann::json;
namespace ipc = gatehouse::ipc;

namespace {

constexpr int kEventTerminals = 4;     // t2..t5 on gate g2
constexpr std::size_t kWindow = 500;   // unacked events per terminal at most
constexpr auto kSampleEvery = std::chrono::seconds(10);
constexpr auto kRequestEvery = std::chrono::milliseconds(100);

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

long rss_kb(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return 0;
}

std::uintmax_t ledger_bytes(const std::filesystem::path& ledger) {
    std::uintmax_t total = 0;
    for (const char* suffix : {"", "-wal"}) {
        std::error_code ignored;
        const auto size = std::filesystem::file_size(ledger.string() + suffix, ignored);
        if (!ignored) total += size;
    }
    return total;
}

// A scene of 60 s at 25 fps with a person stepping up every 4 s, replayed in a loop by the camera.
std::filesystem::path write_scene(const std::filesystem::path& dir) {
    json people = json::array();
    for (int i = 0; i < 14; ++i) {
        const double t = 1.0 + 4.0 * i;
        people.push_back({{"canthus_c", 36.5 + 0.1 * (i % 4)},
                          {"path", {{t, -0.4, 1.6}, {t + 0.3, 0.5, 1.0}, {t + 1.3, 0.5, 1.0}, {t + 1.7, 1.4, 1.0}}}});
    }
    const json scene{{"name", "soak"}, {"description", "a person every 4 s"},
                     {"camera", {{"fps", 25}, {"duration_s", 60}, {"seed", 7}}}, {"people", people}};
    const auto path = dir / "soak_scene.json";
    std::ofstream(path) << scene.dump();
    return path;
}

/// Counts what reaches the broker: the distinct lane_seqs per lane (bitmaps: a 30-minute run has ~2 M records).
class UpstreamCounter {
public:
    explicit UpstreamCounter(int port) {
        mosquitto_lib_init();
        client_ = mosquitto_new("soak-platform", false, this);
        mosquitto_connect_callback_set(client_, [](mosquitto* m, void*, int rc) {
            if (rc == 0) mosquitto_subscribe(m, nullptr, "gatehouse/#", 1);
        });
        mosquitto_message_callback_set(client_, [](mosquitto*, void* self, const mosquitto_message* m) {
            static_cast<UpstreamCounter*>(self)->take(std::string(static_cast<const char*>(m->payload),
                                                                  static_cast<std::size_t>(m->payloadlen)));
        });
        mosquitto_reconnect_delay_set(client_, 1, 2, false);
        if (mosquitto_connect(client_, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS) throw std::runtime_error("no broker");
        mosquitto_loop_start(client_);
    }
    ~UpstreamCounter() {
        mosquitto_disconnect(client_);
        mosquitto_loop_stop(client_, false);
        mosquitto_destroy(client_);
    }
    UpstreamCounter(const UpstreamCounter&) = delete;
    UpstreamCounter& operator=(const UpstreamCounter&) = delete;

    std::uint64_t distinct(const std::string& lane) {
        std::lock_guard lock(mutex_);
        return distinct_[lane];
    }
    std::uint64_t messages() {
        std::lock_guard lock(mutex_);
        return messages_;
    }

private:
    void take(const std::string& payload) {
        const json p = json::parse(payload, nullptr, false);
        if (p.is_discarded() || !p.contains("key")) return;
        const std::string key = p["key"].get<std::string>();
        const auto seq = static_cast<std::size_t>(std::stoll(key.substr(key.rfind(':') + 1)));
        const std::string lane = p["lane"].get<std::string>();
        std::lock_guard lock(mutex_);
        ++messages_;
        auto& seen = seen_[lane];
        if (seen.size() <= seq) seen.resize(seq * 2 + 1024);
        if (!seen[seq]) {
            seen[seq] = true;
            ++distinct_[lane];
        }
    }
    mosquitto* client_ = nullptr;
    std::mutex mutex_;
    std::map<std::string, std::vector<bool>> seen_;
    std::map<std::string, std::uint64_t> distinct_;
    std::uint64_t messages_ = 0;
};

/// A terminal sending its share of the rate, keeping at most kWindow unacked.
struct PacedTerminal {
    std::string id;
    zmq::socket_t socket;
    std::int64_t next_seq = 1;
    std::int64_t acked = 0;
    std::size_t in_flight = 0;

    PacedTerminal(zmq::context_t& context, const std::string& endpoint, std::string terminal)
        : id(std::move(terminal)), socket(context, zmq::socket_type::dealer) {
        socket.set(zmq::sockopt::linger, 0);
        socket.connect(endpoint);
    }
    void send_until(std::int64_t due) {
        while (next_seq <= due && in_flight < kWindow) {
            ipc::Event e;
            e.terminal = id;
            e.seq = next_seq++;
            e.occurred_ms = ipc::utc_now_ms();
            e.data = ipc::CredentialData{"E" + std::to_string(1000 + next_seq % 900), ipc::CredentialMethod::card};
            socket.send(zmq::buffer(ipc::encode(e)), zmq::send_flags::none);
            ++in_flight;
        }
    }
    void take_replies() {
        zmq::message_t m;
        while (socket.recv(m, zmq::recv_flags::dontwait)) {
            if (std::holds_alternative<ipc::Ack>(ipc::decode_gateway_reply(m.to_string_view()))) {
                ++acked;
            } else {
                std::cerr << id << ": " << m.to_string() << "\n";  // refusals are resent by no one here: counted as lost
            }
            --in_flight;
        }
    }
};

}  // namespace

int main(int argc, char** argv) {
    double minutes = 30, rate = 1000;
    std::string csv_path = "soak.csv";
    CLI::App app{"The real gatehoused under steady load (events, decisions, a 25 fps thermal stream, forwarding to "
                 "mosquitto) for N minutes: RSS, ledger size, backlog and decision p99 every 10 s; exit 1 if "
                 "anything was lost or RSS grew 5 % or more."};
    app.add_option("--minutes", minutes, "length of the run")->check(CLI::Range(0.1, 10080.0))->capture_default_str();
    app.add_option("--rate", rate, "events per second from the four terminals")
        ->check(CLI::Range(1.0, 20'000.0))->capture_default_str();
    app.add_option("--csv", csv_path, "samples file (plot with bench/plot_soak.sh)")->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    TempDir broker_dir;
    MosquittoBroker broker(broker_dir.path());
    UpstreamCounter upstream(broker.port());
    TempDir scene_dir;
    const auto scene = write_scene(scene_dir.path());
    const std::string camera = "[[cameras]]\nid = \"cam1\"\ngate = \"g1\"\nsource = \"synthetic:" + scene.string() +
                               "\"\nreference = \"auto@35\"\nloop = true\n";
    const std::string forwarding = "[forwarding]\nenabled = true\nmax_drain_rate = 0\n[[forwarding.sinks]]\nname = "
                                   "\"broker\"\ntype = \"mqtt\"\nhost = \"127.0.0.1\"\nport = " +
                                   std::to_string(broker.port()) + "\nclient_id = \"gatehouse-soak\"\n";
    const std::string policy = "[gates.policy]\nrequire_health_code = false\nrequire_temperature = false\n";
    GatewayFixture gw(1 + kEventTerminals, camera + forwarding, policy, policy);
    const pid_t pid = gw.process().pid();

    std::vector<std::unique_ptr<PacedTerminal>> terminals;
    for (int i = 0; i < kEventTerminals; ++i) {
        terminals.push_back(std::make_unique<PacedTerminal>(gw.context(), gw.endpoint(), "t" + std::to_string(i + 2)));
    }
    zmq::socket_t reader(gw.context(), zmq::socket_type::dealer);
    reader.set(zmq::sockopt::linger, 0);
    reader.connect(gw.endpoint());

    std::ofstream csv(csv_path);
    csv << "elapsed_s,rss_kb,ledger_bytes,backlog_records,decision_p99_ms,decisions,events_acked,events_per_s,"
           "upstream_records,camera_fps,screenings\n";
    const auto start = Clock::now();
    const auto end = start + std::chrono::milliseconds(static_cast<std::int64_t>(minutes * 60'000));
    auto next_sample = start + kSampleEvery;
    auto next_request = start;
    std::int64_t requests = 0;
    std::map<std::string, Clock::time_point> waiting;
    std::vector<double> window_latencies, first_minute, last_minute;
    std::int64_t acked_at_last_sample = 0;
    std::vector<long> rss_samples;
    std::vector<double> sample_times;
    std::int64_t decisions = 0;
    while (Clock::now() < end) {
        const auto now = Clock::now();
        const double elapsed = std::chrono::duration<double>(now - start).count();
        const auto due = static_cast<std::int64_t>(elapsed * rate / kEventTerminals);
        for (auto& t : terminals) {
            t->send_until(due);
            t->take_replies();
        }
        if (now >= next_request) {
            const std::string id = "r" + std::to_string(++requests);
            const ipc::AccessRequest r{"t1", id, "E" + std::to_string(1000 + requests % 900), ipc::CredentialMethod::card,
                                       std::nullopt, std::nullopt};
            reader.send(zmq::buffer(ipc::encode(r)), zmq::send_flags::none);
            waiting[id] = now;
            next_request += kRequestEvery;
        }
        zmq::message_t m;
        while (reader.recv(m, zmq::recv_flags::dontwait)) {
            const ipc::GatewayReply reply = ipc::decode_gateway_reply(m.to_string_view());
            const auto* d = std::get_if<ipc::Decision>(&reply);
            if (!d) continue;
            const auto it = waiting.find(d->request);
            if (it == waiting.end()) continue;
            const double ms = std::chrono::duration<double, std::milli>(Clock::now() - it->second).count();
            waiting.erase(it);
            ++decisions;
            window_latencies.push_back(ms);
            if (elapsed < 60) first_minute.push_back(ms);
            if (std::chrono::duration<double>(end - now).count() < 60) last_minute.push_back(ms);
        }
        if (now >= next_sample) {
            std::int64_t backlog = -1;
            double camera_fps = -1;
            std::int64_t screenings = -1;
            if (auto s = gw.try_status(std::chrono::seconds(2))) {
                backlog = 0;
                for (const auto& lane : (*s)["forwarding"]["lanes"]) backlog += lane["records"].get<std::int64_t>();
                camera_fps = (*s)["cameras"].at(0).value("fps", 0.0);
                screenings = (*s)["cameras"].at(0).value("screenings", std::int64_t{0});
            }
            std::int64_t acked = 0;
            for (const auto& t : terminals) acked += t->acked;
            const long rss = rss_kb(pid);
            csv << std::lround(elapsed) << "," << rss << "," << ledger_bytes(gw.ledger_path()) << "," << backlog << ","
                << percentile(window_latencies, 99) << "," << decisions << "," << acked << ","
                << static_cast<double>(acked - acked_at_last_sample) / 10.0 << "," << upstream.distinct("routine") << ","
                << camera_fps << "," << screenings << "\n"
                << std::flush;
            rss_samples.push_back(rss);
            sample_times.push_back(elapsed);
            acked_at_last_sample = acked;
            window_latencies.clear();
            next_sample += kSampleEvery;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    // Drain: every event acked, then everything forwarded.
    const auto drain_deadline = Clock::now() + std::chrono::seconds(120);
    std::int64_t acked = 0, created = 0;
    for (;;) {
        acked = created = 0;
        for (auto& t : terminals) {
            t->take_replies();
            acked += t->acked;
            created += t->next_seq - 1;
        }
        if (acked == created || Clock::now() > drain_deadline) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    while (upstream.distinct("routine") < static_cast<std::uint64_t>(acked) && Clock::now() < drain_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    json camera_status;
    if (auto st = gw.try_status(std::chrono::seconds(5))) camera_status = (*st)["cameras"].at(0);
    gw.process().signal(SIGTERM);
    gw.process().wait(std::chrono::seconds(60));
    SQLite::Database db(gw.ledger_path().string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT COUNT(*), COUNT(DISTINCT terminal || ':' || seq) FROM events");
    q.executeStep();
    const std::int64_t stored = q.getColumn(0).getInt64(), distinct = q.getColumn(1).getInt64();
    SQLite::Statement integrity(db, "PRAGMA integrity_check");
    integrity.executeStep();
    const std::string integrity_result = integrity.getColumn(0).getString();

    // Goal checks. Warm-up: the first minute (or the first fifth of a short run).
    const double warmup_s = std::min(60.0, minutes * 60 / 5);
    long rss_after_warmup = 0;
    for (std::size_t i = 0; i < rss_samples.size(); ++i) {
        if (sample_times[i] >= warmup_s) {
            rss_after_warmup = rss_samples[i];
            break;
        }
    }
    const long rss_last = rss_samples.empty() ? 0 : rss_samples.back();
    const double growth = rss_after_warmup > 0 ? 100.0 * static_cast<double>(rss_last - rss_after_warmup) /
                                                     static_cast<double>(rss_after_warmup)
                                               : 0;
    const double p99_first = percentile(first_minute, 99), p99_last = percentile(last_minute, 99);
    const bool nothing_lost = acked == created && stored == acked && distinct == stored &&
                              upstream.distinct("routine") >= static_cast<std::uint64_t>(stored);
    std::printf("soak: %.1f min at %.0f events/s (4 terminals), 10 requests/s, 25 fps camera, MQTT forwarding\n",
                minutes, rate);
    std::printf("  events: %lld created, %lld acked, %lld stored (%lld distinct), %llu forwarded (distinct), "
                "%llu MQTT messages; integrity_check %s\n",
                static_cast<long long>(created), static_cast<long long>(acked), static_cast<long long>(stored),
                static_cast<long long>(distinct), static_cast<unsigned long long>(upstream.distinct("routine")),
                static_cast<unsigned long long>(upstream.messages()), integrity_result.c_str());
    std::printf("  camera %s: %s at %.1f fps, %lld screenings, %lld faults\n", camera_status.value("id", "?").c_str(),
                camera_status.value("state", "?").c_str(), camera_status.value("fps", 0.0),
                static_cast<long long>(camera_status.value("screenings", 0)),
                static_cast<long long>(camera_status.value("faults", 0)));
    std::printf("  RSS after warm-up (%.0f s) %ld kB, at the end %ld kB: growth %.1f %% (goal < 5 %%): %s\n", warmup_s,
                rss_after_warmup, rss_last, growth, growth < 5 ? "ok" : "MISSED");
    std::printf("  decision p99 first minute %.1f ms, last minute %.1f ms (%lld decisions): %s\n", p99_first, p99_last,
                static_cast<long long>(decisions), p99_last <= std::max(2 * p99_first, p99_first + 10) ? "ok" : "MISSED");
    std::printf("  nothing lost: %s\n", nothing_lost && integrity_result == "ok" ? "ok" : "MISSED");
    std::printf("  samples: %s\n", csv_path.c_str());
    return nothing_lost && growth < 5 ? 0 : 1;
}
