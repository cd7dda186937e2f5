#pragma once
// A real three-node NATS cluster on 127.0.0.1 for tests and benchmarks (Debian's /usr/sbin/nats-server), with
// JetStream and MQTT enabled on every node. Each node has its own OS-picked ports (client, cluster routes, MQTT,
// HTTP monitoring), its own JetStream storage directory and server_name under the directory the test gives, and
// is stopped by PID. Readiness is polled, never slept for: a node is ready when its routes to every other running
// node are up, it knows a JetStream meta leader, and its MQTT listener answers a CONNECT with CONNACK 0.
//
//   NatsCluster cluster(tmp / "nats");              // starts three nodes, returns once all are ready
//   sink.brokers = cluster.mqtt_endpoints();        // {"127.0.0.1:p1", "127.0.0.1:p2", "127.0.0.1:p3"}
//   cluster.kill(1);                                // SIGKILL node 1 (what a power cut does to one node)
//   cluster.restart(1);                             // same ports and storage; returns once it has rejoined
//
// Needs httplib (PkgConfig::HTTPLIB) for the monitoring endpoint.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "mosquitto_broker.hpp"  // free_loopback_port, loopback_port_open

namespace gatehouse::test {

/// Whether an MQTT 3.1.1 server on 127.0.0.1:port accepts a clean-session CONNECT (CONNACK return code 0).
/// Raw bytes, so that probing needs no client library thread and leaves no session behind.
inline bool mqtt_accepts_connect(int port, const std::string& client_id = "gatehouse-probe") {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    timeval timeout{5, 0};  // the server may take seconds to load a session from JetStream
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    bool accepted = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
        std::string packet{'\x00', '\x04', 'M', 'Q', 'T', 'T', '\x04', '\x02', '\x00', '\x3c'};
        packet += static_cast<char>(client_id.size() >> 8);
        packet += static_cast<char>(client_id.size() & 0xff);
        packet += client_id;
        packet.insert(packet.begin(), {'\x10', static_cast<char>(packet.size())});  // ids are short: one length byte
        unsigned char connack[4] = {};
        std::size_t got = 0;
        if (::send(fd, packet.data(), packet.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(packet.size())) {
            while (got < sizeof connack) {
                const ssize_t n = ::recv(fd, connack + got, sizeof connack - got, 0);
                if (n <= 0) break;
                got += static_cast<std::size_t>(n);
            }
        }
        accepted = got == sizeof connack && connack[0] == 0x20 && connack[3] == 0;
        if (accepted) ::send(fd, "\xe0\x00", 2, MSG_NOSIGNAL);  // DISCONNECT
    }
    ::close(fd);
    return accepted;
}

/// A cluster of `nodes` nats-server processes (default three) on 127.0.0.1; see the file comment.
class NatsCluster {
public:
    static constexpr const char* kProgram = "/usr/sbin/nats-server";

    /// One node's ports, picked by the OS when the cluster is made and kept across restarts.
    struct NodePorts {
        int client = free_loopback_port();
        int cluster = free_loopback_port();
        int mqtt = free_loopback_port();
        int monitor = free_loopback_port();
    };

    /// Writes each node's configuration under `dir` (n1/, n2/, ...), starts them all and waits until all are ready
    /// (`ready_timeout` is a bound for a broken setup, not a speed expectation).
    explicit NatsCluster(std::filesystem::path dir, std::size_t nodes = 3,
                         std::chrono::milliseconds ready_timeout = std::chrono::seconds(60))
        : dir_(std::move(dir)), ready_timeout_(ready_timeout), ports_(nodes), processes_(nodes) {
        if (nodes == 0) throw std::invalid_argument("a NATS cluster needs at least one node");
        for (std::size_t i = 0; i < nodes; ++i) write_config(i);
        for (std::size_t i = 0; i < nodes; ++i) spawn(i);
        wait_all_ready();
    }
    ~NatsCluster() { stop(); }
    NatsCluster(const NatsCluster&) = delete;
    NatsCluster& operator=(const NatsCluster&) = delete;

    std::size_t size() const { return ports_.size(); }
    const NodePorts& ports(std::size_t node) const { return ports_.at(node); }
    int mqtt_port(std::size_t node) const { return ports_.at(node).mqtt; }
    /// "nats-server" node names as configured (server_name): n1, n2, ...
    static std::string server_name(std::size_t node) { return "n" + std::to_string(node + 1); }

    /// "127.0.0.1:port" of every node's MQTT listener, in node order (what a sink's `brokers` list takes).
    std::vector<std::string> mqtt_endpoints() const {
        std::vector<std::string> endpoints;
        for (const auto& p : ports_) endpoints.push_back("127.0.0.1:" + std::to_string(p.mqtt));
        return endpoints;
    }
    /// The node whose MQTT listener is 127.0.0.1:port, if any.
    std::optional<std::size_t> node_with_mqtt_port(int port) const {
        for (std::size_t i = 0; i < ports_.size(); ++i) {
            if (ports_[i].mqtt == port) return i;
        }
        return std::nullopt;
    }

    bool running(std::size_t node) { return processes_.at(node) != nullptr && processes_.at(node)->running(); }
    pid_t pid(std::size_t node) const { return processes_.at(node) ? processes_.at(node)->pid() : -1; }

    /// SIGKILL: no goodbye to the routes, no flush of JetStream's files (a power cut of one node). Reaps it.
    /// With `wait_for_survivors`, returns once every other running node serves MQTT again: JetStream needs a few
    /// seconds to elect new leaders for the groups the node led, and the MQTT listeners refuse CONNECTs meanwhile.
    void kill(std::size_t node, bool wait_for_survivors = true) {
        auto& process = processes_.at(node);
        if (!process) throw std::logic_error("NATS node " + server_name(node) + " is not running");
        process->signal(SIGKILL);
        process->wait(std::chrono::seconds(10));
        process.reset();
        if (wait_for_survivors) wait_all_ready();
    }

    /// Starts a stopped node again (same ports, same storage) and waits until it has rejoined and serves MQTT.
    void restart(std::size_t node) {
        if (processes_.at(node)) throw std::logic_error("NATS node " + server_name(node) + " is already running");
        spawn(node);
        wait_all_ready();
    }

    /// SIGTERM to every running node (lame-duck free, JetStream flushes), then waits; SIGKILL after 10 s.
    void stop() {
        for (auto& process : processes_) {
            if (process) process->signal(SIGTERM);
        }
        for (auto& process : processes_) {
            if (process) process->wait(std::chrono::seconds(10));
            process.reset();  // kills and reaps it if it is still there
        }
    }

    /// The node's log file (for a failing test's message).
    std::string log(std::size_t node) const {
        std::ifstream in(dir_ / server_name(node) / "nats.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    /// The last `bytes` of the node's log.
    std::string log_tail(std::size_t node, std::size_t bytes = 4000) const {
        const std::string text = log(node);
        return text.size() > bytes ? text.substr(text.size() - bytes) : text;
    }

    /// The node's monitoring endpoint `path` (e.g. "/connz?mqtt_client=gw-1") as JSON; nothing when it does not answer.
    std::optional<nlohmann::json> monitor(std::size_t node, const std::string& path) const {
        httplib::Client client("127.0.0.1", ports_.at(node).monitor);
        client.set_connection_timeout(std::chrono::seconds(2));
        client.set_read_timeout(std::chrono::seconds(5));
        const auto response = client.Get(path);
        if (!response || response->status != 200) return std::nullopt;
        auto parsed = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
        if (parsed.is_discarded()) return std::nullopt;
        return parsed;
    }

    /// The node an MQTT client with this client id is connected to right now, if any (asks each running node).
    std::optional<std::size_t> node_serving_mqtt_client(const std::string& client_id) const {
        for (std::size_t i = 0; i < ports_.size(); ++i) {
            if (!processes_[i]) continue;
            const auto connz = monitor(i, "/connz?mqtt_client=" + client_id);
            if (!connz) continue;
            const auto count = connz->find("num_connections");
            if (count != connz->end() && count->is_number_integer() && count->get<int>() > 0) return i;
        }
        return std::nullopt;
    }

private:
    void write_config(std::size_t node) {
        const auto node_dir = dir_ / server_name(node);
        std::filesystem::create_directories(node_dir / "jetstream");
        std::ofstream config(node_dir / "nats.conf");
        const auto& p = ports_[node];
        config << "server_name: " << server_name(node) << "\n"
               << "listen: 127.0.0.1:" << p.client << "\n"
               << "http: 127.0.0.1:" << p.monitor << "\n"
               << "jetstream {\n  store_dir: \"" << (node_dir / "jetstream").string() << "\"\n}\n"
               << "cluster {\n  name: gatehouse-test\n  listen: 127.0.0.1:" << p.cluster << "\n  routes: [\n";
        for (std::size_t other = 0; other < ports_.size(); ++other) {
            if (other != node) config << "    nats-route://127.0.0.1:" << ports_[other].cluster << "\n";
        }
        config << "  ]\n}\n"
               // Sessions, QoS 1 messages and retained messages live in JetStream streams. Left to itself the server
               // sizes their replicas by the peers it knows when it creates them at start-up: a node that starts
               // first makes them R1 or R2, and one dead node then stalls them for good. So: as many as nodes, max 3.
               << "mqtt {\n  listen: 127.0.0.1:" << p.mqtt << "\n  stream_replicas: " << std::min<std::size_t>(ports_.size(), 3)
               << "\n}\n";
    }

    void spawn(std::size_t node) {
        const auto node_dir = dir_ / server_name(node);
        processes_[node] = std::make_unique<ChildProcess>(
            kProgram,
            std::vector<std::string>{"-c", (node_dir / "nats.conf").string(), "-l", (node_dir / "nats.log").string()},
            node_dir);
    }

    std::size_t running_count() const {
        std::size_t n = 0;
        for (const auto& process : processes_) n += process ? 1 : 0;
        return n;
    }

    /// Routes to every other running node and a JetStream meta leader known.
    bool clustered(std::size_t node) const {
        const auto routez = monitor(node, "/routez");
        if (!routez) return false;
        const auto routes = routez->find("num_routes");
        if (routes == routez->end() || !routes->is_number_integer() ||
            routes->get<std::size_t>() + 1 < running_count())
            return false;
        const auto jsz = monitor(node, "/jsz");
        if (!jsz || !jsz->contains("meta_cluster")) return false;
        const auto& meta = (*jsz)["meta_cluster"];
        const auto leader = meta.find("leader");
        if (leader == meta.end() || !leader->is_string() || leader->get<std::string>().empty()) return false;
        // Not /healthz: after a SIGKILL and restart, 2.9.10 keeps reporting the dead incarnation's retained-message
        // consumer ($MQTT_rmsgs_<server hash>) as "not current" for good, though MQTT works.
        return true;
    }

    /// Waits until `condition(node)` holds for every running node; throws with the first laggard's log after
    /// ready_timeout, or at once when a node exits.
    template <typename Condition>
    void wait_for_each(Condition condition, const std::string& what) {
        const auto deadline = std::chrono::steady_clock::now() + ready_timeout_;
        for (std::size_t node = 0; node < processes_.size(); ++node) {
            if (!processes_[node]) continue;
            while (!condition(node)) {
                if (!processes_[node]->running()) {
                    const std::string why = processes_[node]->stderr_text() + log(node);
                    processes_[node].reset();
                    throw std::runtime_error("nats-server " + server_name(node) + " exited: " + why);
                }
                if (std::chrono::steady_clock::now() > deadline) {
                    throw std::runtime_error("nats-server " + server_name(node) + ": " + what + " not within " +
                                             std::to_string(ready_timeout_.count()) + " ms; the end of its log: " +
                                             log_tail(node));
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
    }

    /// In two phases: the cluster first (routes, meta leader, health), then MQTT on each node. A first MQTT CONNECT
    /// creates the server's MQTT streams, replicated on every node, so it must wait until all nodes are peers.
    void wait_all_ready() {
        wait_for_each([&](std::size_t node) { return clustered(node); }, "routes and JetStream meta leader");
        wait_for_each([&](std::size_t node) { return mqtt_accepts_connect(ports_[node].mqtt, "gatehouse-probe-" + server_name(node)); },
                      "MQTT CONNACK");
    }

    std::filesystem::path dir_;
    std::chrono::milliseconds ready_timeout_;
    std::vector<NodePorts> ports_;
    std::vector<std::unique_ptr<ChildProcess>> processes_;
};

}  // namespace gatehouse::test
