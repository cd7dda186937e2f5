// Fleet uplink scale (issue 19, docs/fleet.md): N simulated gateways — the real gatehoused each, a small
// configuration, a scripted terminal each sending card events at a steady rate — forward their routine records
// through their MQTT sinks into a three-node NATS cluster (JetStream + MQTT) on this machine. Prints per gateway
// the uplink bandwidth and messages per second as a platform subscriber received them, the cluster's CPU and RSS
// over the window, and, in the same run, the reference: a bare libmosquitto QoS 1 publisher's rate into the same
// cluster with the same payload size (what the cluster takes when nothing else limits it).
//
//   build/bench/fleet_bench --gateways 20 --rate 20 --seconds 30
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <mosquitto.h>
#include <nlohmann/json.hpp>

#include "../tests/fleet/fleet_gateway.hpp"
#include "mosquitto_broker.hpp"
#include "nats_cluster.hpp"
#include "temp_dir.hpp"
#include "test_terminal.hpp"

using namespace gatehouse;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
    int gateways = 20;
    int rate = 20;  ///< Events per second per gateway.
    int seconds = 30;
    int reference_messages = 20'000;
};

Args parse(int argc, char** argv) {
    Args a;
    CLI::App app{"Fleet uplink: N real gateways with a terminal each into a three-node NATS cluster (JetStream + "
                 "MQTT), against a bare MQTT publisher into the same cluster."};
    app.add_option("--gateways", a.gateways, "simulated gateways (one gatehoused each)")->check(CLI::Range(1, 100))->capture_default_str();
    app.add_option("--rate", a.rate, "card events per second per gateway")->check(CLI::Range(1, 10'000))->capture_default_str();
    app.add_option("--seconds", a.seconds, "length of the measured window")->check(CLI::Range(1, 3600))->capture_default_str();
    app.add_option("--reference-messages", a.reference_messages, "messages of the bare publisher's run")
        ->check(CLI::Range(100, 10'000'000))->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        std::exit(app.exit(e));
    }
    return a;
}

/// CPU seconds (user + system) a process has used, from /proc/<pid>/stat.
double cpu_seconds(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    const auto close = text.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/// Resident memory of a process in MiB, from /proc/<pid>/status.
double rss_mib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return 0;
}

std::string load_average() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

/// A bare libmosquitto QoS 1 publisher (100 in flight, as the sink's default) into one node: messages per second.
double reference_rate(int port, int messages, std::size_t payload_bytes) {
    mosquitto* client = mosquitto_new("fleet-bench-reference", true, nullptr);
    int acked = 0;
    mosquitto_user_data_set(client, &acked);
    mosquitto_publish_callback_set(client, [](mosquitto*, void* n, int) { ++*static_cast<int*>(n); });
    mosquitto_max_inflight_messages_set(client, 100);
    if (mosquitto_connect(client, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS) throw std::runtime_error("reference: no connect");
    const std::string payload(payload_bytes, 'x');
    const auto start = Clock::now();
    for (int i = 0; i < messages; ++i) {
        const std::string topic = "gatehouse/campus/reference/routine/door_open";
        mosquitto_publish(client, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 1, false);
        mosquitto_loop(client, 0, 1);
    }
    const auto deadline = Clock::now() + 300s;
    while (acked < messages && Clock::now() < deadline) mosquitto_loop(client, 100, 1);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    mosquitto_disconnect(client);
    mosquitto_destroy(client);
    return acked / seconds;
}

}  // namespace

int main(int argc, char** argv) {
    const Args a = parse(argc, argv);
    std::printf("fleet_bench: %d gateways x %d events/s for %d s into a 3-node NATS cluster (nats-server 2.9.10)\n",
                a.gateways, a.rate, a.seconds);
    std::printf("machine: %u cores, load average before: %s\n", std::thread::hardware_concurrency(), load_average().c_str());
    test::TempDir tmp;
    test::NatsCluster cluster(tmp / "nats");
    const auto nodes = cluster.mqtt_endpoints();
    test::MqttSubscriber subscriber(cluster.mqtt_port(2), "gatehouse/#", "fleet-bench-platform", /*clean_session=*/false);

    std::vector<std::string> ids;
    std::vector<std::unique_ptr<test::GatewayFixture>> gateways;
    for (int g = 0; g < a.gateways; ++g) {
        ids.push_back("gw-" + std::to_string(g + 1));
        std::vector<std::string> order;
        for (std::size_t k = 0; k < nodes.size(); ++k) order.push_back(nodes[(static_cast<std::size_t>(g) + k) % nodes.size()]);
        gateways.push_back(test::start_fleet_gateway(ids.back(), order, 0));
    }
    zmq::context_t context;
    std::vector<std::unique_ptr<test::TestTerminal>> terminals;
    for (auto& gw : gateways) {
        terminals.push_back(std::make_unique<test::TestTerminal>(context, gw->endpoint(), "t1"));
        terminals.back()->hello();
    }
    std::vector<pid_t> node_pids;
    for (std::size_t n = 0; n < cluster.size(); ++n) node_pids.push_back(cluster.pid(n));
    double cpu_before = 0;
    for (pid_t p : node_pids) cpu_before += cpu_seconds(p);
    double daemons_cpu_before = 0;
    for (auto& gw : gateways) daemons_cpu_before += cpu_seconds(gw->process().pid());

    // The window: each terminal sends `rate` events a second, each answered by its gateway.
    const std::int64_t per_gateway = static_cast<std::int64_t>(a.rate) * a.seconds;
    const auto start = Clock::now();
    for (std::int64_t tick = 0; tick < per_gateway; ++tick) {
        for (auto& t : terminals) {
            t->send(t->event(tick + 1));
            (void)t->expect_reply();
        }
        std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000 * (tick + 1) / a.rate));
    }
    // Until the subscriber has every record (the forwarder lags the terminal by a batch at most).
    test::KeyTally tally;
    const std::size_t expected = static_cast<std::size_t>(per_gateway) * gateways.size();
    const auto drain_deadline = Clock::now() + 120s;
    while (Clock::now() < drain_deadline) {
        tally.update(subscriber);
        if (tally.unique_total() >= expected) break;
        std::this_thread::sleep_for(100ms);
    }
    const double window = std::chrono::duration<double>(Clock::now() - start).count();
    double cpu_after = 0, rss = 0;
    for (pid_t p : node_pids) {
        cpu_after += cpu_seconds(p);
        rss += rss_mib(p);
    }
    double daemons_cpu_after = 0, daemons_rss = 0;
    for (auto& gw : gateways) {
        daemons_cpu_after += cpu_seconds(gw->process().pid());
        daemons_rss += rss_mib(gw->process().pid());
    }

    std::map<std::string, std::pair<std::size_t, std::size_t>> per;  // gateway -> messages, payload bytes
    std::size_t payload_total = 0, messages_total = 0;
    for (const auto& m : subscriber.messages()) {
        if (m.topic.find("/routine/") == std::string::npos) continue;
        const auto first = m.topic.find('/', m.topic.find('/') + 1);
        const std::string gateway = m.topic.substr(first + 1, m.topic.find('/', first + 1) - first - 1);
        per[gateway].first += 1;
        per[gateway].second += m.payload.size() + m.topic.size();
        payload_total += m.payload.size();
        ++messages_total;
    }
    std::printf("\nper gateway (records as the platform subscriber received them, over %.1f s):\n", window);
    std::printf("  %-8s %9s %10s %12s\n", "gateway", "messages", "msg/s", "kB/s (topic+payload)");
    double min_rate = 1e18, max_rate = 0;
    for (const auto& id : ids) {
        const auto [count, bytes] = per[id];
        const double r = count / window;
        min_rate = std::min(min_rate, r);
        max_rate = std::max(max_rate, r);
        std::printf("  %-8s %9zu %10.1f %12.2f\n", id.c_str(), count, r, bytes / window / 1000.0);
    }
    const double avg_payload = messages_total ? static_cast<double>(payload_total) / messages_total : 0;
    std::printf("all: %zu records from %zu gateways (%zu distinct keys of %zu sent), %.0f msg/s, %.1f kB/s; "
                "average payload %.0f B; per gateway %.1f..%.1f msg/s\n",
                messages_total, gateways.size(), tally.unique_total(), expected, messages_total / window,
                payload_total / window / 1000.0, avg_payload, min_rate, max_rate);
    std::printf("cluster (3 nats-server): CPU %.1f %% of one core over the window (%.2f s), RSS %.0f MiB in all\n",
                100.0 * (cpu_after - cpu_before) / window, cpu_after - cpu_before, rss);
    std::printf("gateways (%zu gatehoused): CPU %.1f %% of one core in all, RSS %.0f MiB in all\n", gateways.size(),
                100.0 * (daemons_cpu_after - daemons_cpu_before) / window, daemons_rss);

    // The reference, same run, same cluster, same payload size.
    const double reference = reference_rate(cluster.mqtt_port(0), a.reference_messages,
                                            static_cast<std::size_t>(std::max(1.0, avg_payload)));
    std::printf("reference: bare libmosquitto QoS 1 publisher (100 in flight) into node 1: %.0f msg/s with %.0f B "
                "payloads\n", reference, avg_payload);
    std::printf("fleet load / reference capacity: %.1f %%\n", 100.0 * (messages_total / window) / reference);
    std::printf("load average after: %s\n", load_average().c_str());
    return tally.unique_total() >= expected ? 0 : 1;
}
