#pragma once
// Starts the real gatehoused on loopback with a real ledger file in a temp dir, for integration tests.
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "child_process.hpp"
#include "eventually.hpp"
#include "gatehouse/ipc/curve_keys.hpp"
#include "temp_dir.hpp"

namespace gatehouse::test {

/// Whether the fixture's gateway runs its TCP sockets with CURVE (keys generated per fixture) or, as the tests
/// written before CURVE expect, as plaintext (insecure_plaintext, unless `extra_config` has its own [security]).
enum class Transport { plaintext, curve };

/// Writes a configuration with gates g1, g2 and terminals t1..tN (t1 on g1, the rest on g2), and runs
/// gatehoused on it. Ports are picked by the OS; the bound endpoint is read from the control socket.
/// With Transport::curve the server key is DIR/server.key and each terminal tI has its own key pair
/// (terminal_key("tI")), listed as its public_key.
class GatewayFixture {
public:
    /// `g1_policy` / `g2_policy` are TOML lines appended right after each gate (e.g. a [gates.policy] table).
    /// `start_now` false: the caller prepares the ledger first and calls start().
    explicit GatewayFixture(int terminals = 3, std::string extra_config = "", std::string g1_policy = "",
                            std::string g2_policy = "", Transport transport = Transport::plaintext, bool start_now = true) {
        config_path_ = dir_ / "gatehouse.toml";
        std::ofstream config(config_path_);
        config << "[gateway]\nid = \"test-gw\"\n\n[listen]\nterminals = \"tcp://127.0.0.1:*\"\nconsoles = \"tcp://127.0.0.1:*\"\ncontrol = \"ipc://"
               << (dir_ / "control.sock").string() << "\"\n\n[ledger]\npath = \"" << ledger_path().string()
               << "\"\n\n[metrics]\nlisten = \"127.0.0.1:0\"\n\n";
        if (transport == Transport::curve) {
            server_key_ = ipc::generate_curve_keypair();
            ipc::write_keypair_files(dir_ / "server", server_key_, false);
            config << "[security]\nsecret_key_file = \"" << (dir_ / "server.key").string() << "\"\n\n";
        } else if (extra_config.find("[security]") == std::string::npos) {
            config << "[security]\ninsecure_plaintext = true\n\n";
        }
        config << extra_config << "\n[[gates]]\nid = \"g1\"\n" << g1_policy << "\n[[gates]]\nid = \"g2\"\n" << g2_policy;
        for (int i = 1; i <= terminals; ++i) {
            const std::string id = "t" + std::to_string(i);
            config << "\n[[terminals]]\nid = \"" << id << "\"\ngate = \"" << (i == 1 ? "g1" : "g2") << "\"\nkind = \"card_reader\"\n";
            if (transport == Transport::curve) {
                terminal_keys_[id] = ipc::generate_curve_keypair();
                config << "public_key = \"" << terminal_keys_[id].public_key << "\"\n";
            }
        }
        config.close();
        if (start_now) start();
    }

    void start() {
        process_ = std::make_unique<ChildProcess>(bin("gatehoused"), std::vector<std::string>{"--config", config_path_.string()},
                                                  dir_.path(), environment_);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        while (std::chrono::steady_clock::now() < deadline) {
            if (!process_->running()) {
                throw std::runtime_error("gatehoused exited during start-up: " + process_->stderr_text());
            }
            if (auto s = try_status(std::chrono::milliseconds(200))) {
                endpoint_ = (*s)["endpoints"]["terminals"].get<std::string>();
                console_endpoint_ = (*s)["endpoints"]["consoles"].get<std::string>();
                return;
            }
        }
        throw std::runtime_error("gatehoused did not answer on its control socket within 15 s");
    }

    /// One control request; the reply, or nullopt when none came within `timeout`. The default bounds a broken
    /// daemon, not a slow one: a sanitizer build busy with a group commit on a loaded machine can take seconds, and
    /// tests poll status inside `eventually`, where one missed reply would end the test.
    std::optional<nlohmann::json> try_control(const nlohmann::json& request,
                                              std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
        zmq::socket_t s(context_, zmq::socket_type::dealer);
        s.set(zmq::sockopt::linger, 0);
        s.connect(control_endpoint());
        s.send(zmq::message_t(), zmq::send_flags::sndmore);
        s.send(zmq::buffer(request.dump()), zmq::send_flags::none);
        zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, timeout) <= 0) return std::nullopt;
        zmq::message_t delimiter, body;
        (void)s.recv(delimiter);
        (void)s.recv(body);
        return nlohmann::json::parse(body.to_string_view());
    }
    nlohmann::json control(const nlohmann::json& request) {
        auto reply = try_control(request);
        if (!reply) throw std::runtime_error("no reply from gatehoused to " + request.dump());
        return *reply;
    }
    std::optional<nlohmann::json> try_status(std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
        auto reply = try_control({{"v", 1}, {"cmd", "status"}}, timeout);
        if (!reply) return std::nullopt;
        return (*reply)["status"];
    }
    nlohmann::json status() {
        auto s = try_status();
        if (!s) throw std::runtime_error("no status from gatehoused");
        return *s;
    }

    /// Waits until the daemon has read at least `topics` distinct console subscriptions (status
    /// consoles.subscribed_topics). A console's subscription reaches the publisher some time after it connects;
    /// what is published before that is not delivered, so a test that needs a live message waits for this first.
    void wait_for_console_topics(std::uint64_t topics) {
        const bool subscribed = eventually([&] {
            const auto s = try_status();
            return s && (*s)["consoles"]["subscribed_topics"].get<std::uint64_t>() >= topics;
        });
        if (!subscribed) throw std::runtime_error("consoles did not subscribe to " + std::to_string(topics) + " topics");
    }

    /// Environment ("NAME=value") added for the daemon from the next start() on (e.g. libfaketime's).
    void set_environment(std::vector<std::string> environment) { environment_ = std::move(environment); }
    ChildProcess& process() { return *process_; }
    zmq::context_t& context() { return context_; }
    const std::string& endpoint() const { return endpoint_; }
    /// The XPUB endpoint consoles subscribe to.
    const std::string& console_endpoint() const { return console_endpoint_; }
    std::string control_endpoint() const { return "ipc://" + (dir_ / "control.sock").string(); }
    std::filesystem::path ledger_path() const { return ledger_dir_ / "ledger.db"; }
    /// Stops the daemon (SIGTERM), moves its ledger into `dir` (e.g. a small filesystem), points the
    /// configuration there and starts it again.
    void relocate_ledger(const std::filesystem::path& dir) {
        process_->signal(SIGTERM);
        if (process_->wait() != 0) throw std::runtime_error("gatehoused did not stop cleanly: " + process_->stderr_text());
        const auto old_path = ledger_path();
        std::ifstream in(config_path_);
        std::string text(std::istreambuf_iterator<char>(in), {});
        in.close();
        const std::string old_line = "path = \"" + old_path.string() + "\"";
        const auto at = text.find(old_line);
        if (at == std::string::npos) throw std::logic_error("ledger path not found in the test configuration");
        ledger_dir_ = dir;
        text.replace(at, old_line.size(), "path = \"" + ledger_path().string() + "\"");
        std::ofstream(config_path_) << text;
        for (const char* suffix : {"", "-wal", "-shm"}) {
            const std::filesystem::path from = old_path.string() + suffix;
            if (std::filesystem::exists(from)) {
                std::filesystem::copy_file(from, ledger_path().string() + suffix);
                std::filesystem::remove(from);
            }
        }
        start();
    }
    const std::filesystem::path& config_path() const { return config_path_; }
    /// Replaces the first `from` in the configuration file with `to` (for a reload); throws when it is not there.
    void edit_config(const std::string& from, const std::string& to) {
        std::ifstream in(config_path_);
        std::string text(std::istreambuf_iterator<char>(in), {});
        in.close();
        const auto at = text.find(from);
        if (at == std::string::npos) throw std::logic_error("'" + from + "' is not in the test configuration");
        text.replace(at, from.size(), to);
        std::ofstream(config_path_) << text;
    }
    /// Adds `text` (whole tables) at the end of the configuration file.
    void append_config(const std::string& text) { std::ofstream(config_path_, std::ios::app) << '\n' << text << '\n'; }
    const TempDir& dir() const { return dir_; }
    /// Transport::curve only: the gateway's key pair and each terminal's.
    const ipc::CurveKeyPair& server_key() const { return server_key_; }
    const ipc::CurveKeyPair& terminal_key(const std::string& id) const { return terminal_keys_.at(id); }

private:
    TempDir dir_;
    std::filesystem::path ledger_dir_ = dir_.path();
    std::filesystem::path config_path_;
    zmq::context_t context_{1};
    std::unique_ptr<ChildProcess> process_;
    std::vector<std::string> environment_;
    std::string endpoint_;
    std::string console_endpoint_;
    ipc::CurveKeyPair server_key_;
    std::map<std::string, ipc::CurveKeyPair> terminal_keys_;
};

}  // namespace gatehouse::test
