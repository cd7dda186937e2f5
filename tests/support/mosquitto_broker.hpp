#pragma once
// A real mosquitto broker on 127.0.0.1 for tests (the Debian package's /usr/sbin/mosquitto), with its own
// configuration and persistence in a directory of the test's, stopped by PID; and an MQTT subscriber
// (libmosquitto) that records what arrives.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <mosquitto.h>

#include "child_process.hpp"

namespace gatehouse::test {

/// A TCP port on 127.0.0.1 that was free a moment ago (the OS picked it), and not handed out before by this test
/// process: the kernel may give a just-closed port out again, and a test that picks several ports (a NATS cluster
/// needs twelve) before any server binds them must not get one twice.
inline int free_loopback_port() {
    static std::mutex mutex;
    static std::set<int> handed_out;
    for (int attempt = 0; attempt < 100; ++attempt) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) throw std::runtime_error("socket() failed");
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        socklen_t length = sizeof address;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            ::close(fd);
            throw std::runtime_error("cannot find a free port");
        }
        ::close(fd);
        const int port = ntohs(address.sin_port);
        std::lock_guard lock(mutex);
        if (handed_out.insert(port).second) return port;
    }
    throw std::runtime_error("cannot find a free port not handed out before");
}

/// Whether something accepts TCP connections on 127.0.0.1:port.
inline bool loopback_port_open(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return open;
}

/// A second listener of the broker on 127.0.0.1 with settings of its own (TLS files, password file,
/// allow_anonymous false, ...), one mosquitto.conf line each, for tests of authenticated clients.
struct MosquittoListener {
    int port = free_loopback_port();
    std::vector<std::string> settings;
};

/// mosquitto on 127.0.0.1:port with anonymous access and persistence in `dir`, so that persistent sessions
/// (and their queued QoS 1 messages) survive stop() and start(); optionally a second listener with settings of
/// its own (the plain one stays anonymous, so a test subscriber can watch what authenticated clients publish).
/// The destructor stops it.
class MosquittoBroker {
public:
    static constexpr const char* kProgram = "/usr/sbin/mosquitto";

    explicit MosquittoBroker(std::filesystem::path dir, int port = free_loopback_port(),
                             std::optional<MosquittoListener> second = std::nullopt)
        : dir_(std::move(dir)), port_(port) {
        std::filesystem::create_directories(dir_ / "persistence");
        config_path_ = dir_ / "mosquitto.conf";
        std::ofstream config(config_path_);
        if (second) config << "per_listener_settings true\n";
        config << "listener " << port_ << " 127.0.0.1\n"
               << "allow_anonymous true\n";
        if (second) {
            config << "listener " << second->port << " 127.0.0.1\n";
            for (const auto& line : second->settings) config << line << "\n";
        }
        config << "persistence true\n"
               << "persistence_location " << (dir_ / "persistence").string() << "/\n"
               << "log_dest file " << (dir_ / "mosquitto.log").string() << "\n"
               << "log_type all\n"
               // mosquitto queues at most 1,000 messages per subscriber by default and drops the rest: a platform
               // subscriber that must see every record needs this raised (docs/forwarding.md says so too).
               << "max_queued_messages 0\n";
        // As root, mosquitto drops to the "mosquitto" user, which cannot write the test's directory.
        if (::geteuid() == 0) config << "user root\n";
        config.close();
        start();
    }
    ~MosquittoBroker() { stop(); }
    MosquittoBroker(const MosquittoBroker&) = delete;
    MosquittoBroker& operator=(const MosquittoBroker&) = delete;

    /// Starts the broker and waits until it accepts connections.
    void start() {
        if (process_) throw std::logic_error("mosquitto is already running");
        process_ = std::make_unique<ChildProcess>(kProgram, std::vector<std::string>{"-c", config_path_.string()}, dir_);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (!loopback_port_open(port_)) {
            if (!process_->running()) {
                const std::string why = process_->stderr_text() + log();
                process_.reset();
                throw std::runtime_error("mosquitto exited during start-up: " + why);
            }
            if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("mosquitto did not listen within 30 s");
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

    /// SIGTERM (mosquitto saves its persistence file), then waits; SIGKILL if it does not end in 10 s.
    void stop() {
        if (!process_) return;
        process_->signal(SIGTERM);
        process_->wait(std::chrono::seconds(10));
        process_.reset();  // kills and reaps it if it is still there
    }

    bool running() const { return process_ != nullptr; }
    int port() const { return port_; }
    std::string log() const {
        std::ifstream in(dir_ / "mosquitto.log");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

private:
    std::filesystem::path dir_;
    int port_;
    std::filesystem::path config_path_;
    std::unique_ptr<ChildProcess> process_;
};

/// One message a subscriber received.
struct MqttMessage {
    std::string topic;
    std::string payload;
    bool retained = false;
};

/// A libmosquitto subscriber on 127.0.0.1 (QoS 1) running its own network thread with automatic reconnect.
/// With `clean_session = false` and a fixed client id, the broker queues messages for it while it is away.
class MqttSubscriber {
public:
    MqttSubscriber(int port, std::string topic_filter, std::string client_id = {}, bool clean_session = true)
        : filter_(std::move(topic_filter)) {
        static const bool initialised = [] { return mosquitto_lib_init() == MOSQ_ERR_SUCCESS; }();
        if (!initialised) throw std::runtime_error("mosquitto_lib_init failed");
        client_.reset(mosquitto_new(client_id.empty() ? nullptr : client_id.c_str(), clean_session, this));
        if (!client_) throw std::runtime_error("mosquitto_new failed");
        mosquitto_connect_callback_set(client_.get(), [](mosquitto* m, void* self, int rc) {
            if (rc == 0) mosquitto_subscribe(m, nullptr, static_cast<MqttSubscriber*>(self)->filter_.c_str(), 1);
        });
        mosquitto_subscribe_callback_set(client_.get(), [](mosquitto*, void* self, int, int, const int*) {
            auto& s = *static_cast<MqttSubscriber*>(self);
            std::lock_guard lock(s.mutex_);
            s.subscribed_ = true;
            s.changed_.notify_all();
        });
        mosquitto_message_callback_set(client_.get(), [](mosquitto*, void* self, const mosquitto_message* m) {
            auto& s = *static_cast<MqttSubscriber*>(self);
            std::lock_guard lock(s.mutex_);
            s.messages_.push_back({m->topic, std::string(static_cast<const char*>(m->payload),
                                                          static_cast<std::size_t>(m->payloadlen)),
                                   m->retain});
            s.changed_.notify_all();
        });
        mosquitto_reconnect_delay_set(client_.get(), 1, 1, false);
        if (mosquitto_connect(client_.get(), "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS) {
            throw std::runtime_error("subscriber cannot connect to 127.0.0.1:" + std::to_string(port));
        }
        mosquitto_loop_start(client_.get());
        std::unique_lock lock(mutex_);
        // Generous: on NATS a persistent QoS 1 subscription first creates a replicated JetStream consumer.
        if (!changed_.wait_for(lock, std::chrono::seconds(30), [&] { return subscribed_; })) {
            throw std::runtime_error("subscriber got no SUBACK within 30 s");
        }
    }
    ~MqttSubscriber() {
        mosquitto_disconnect(client_.get());
        mosquitto_loop_stop(client_.get(), false);
    }
    MqttSubscriber(const MqttSubscriber&) = delete;
    MqttSubscriber& operator=(const MqttSubscriber&) = delete;

    std::vector<MqttMessage> messages() {
        std::lock_guard lock(mutex_);
        return messages_;
    }
    /// The messages from index `from` on (for callers that tally as they go; cheaper than messages()).
    std::vector<MqttMessage> messages_since(std::size_t from) {
        std::lock_guard lock(mutex_);
        if (from >= messages_.size()) return {};
        return {messages_.begin() + static_cast<std::ptrdiff_t>(from), messages_.end()};
    }
    /// Waits until `done(messages)` holds; false after `timeout`.
    bool wait_until(const std::function<bool(const std::vector<MqttMessage>&)>& done,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return done(messages_); });
    }

private:
    struct Deleter {
        void operator()(mosquitto* m) const { mosquitto_destroy(m); }
    };
    std::string filter_;
    std::unique_ptr<mosquitto, Deleter> client_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool subscribed_ = false;
    std::vector<MqttMessage> messages_;
};

}  // namespace gatehouse::test
