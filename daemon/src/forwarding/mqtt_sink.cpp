#include "gatehouse/daemon/forwarding/mqtt_sink.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <unordered_set>

#include <mosquitto.h>

#include "gatehouse/daemon/forwarding/record_envelope.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon::forwarding {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// mosquitto_lib_init must run once per process before any client exists and is not thread-safe itself;
// a function-local static gives exactly that, cleaned up at exit, without global mutable state of our own.
void ensure_mosquitto_initialised() {
    struct MosquittoLibrary {
        MosquittoLibrary() { mosquitto_lib_init(); }
        ~MosquittoLibrary() { mosquitto_lib_cleanup(); }
    };
    static const MosquittoLibrary library;
}

struct MosquittoDeleter {
    void operator()(mosquitto* client) const { mosquitto_destroy(client); }
};
using MosquittoHandle = std::unique_ptr<mosquitto, MosquittoDeleter>;

/// A libmosquitto return code as text; MOSQ_ERR_ERRNO means "see errno", which must be read at once.
std::string describe(int rc) {
    if (rc == MOSQ_ERR_ERRNO) return std::error_code(errno, std::generic_category()).message();
    return mosquitto_strerror(rc);
}

/// A topic level from free text: '/' would add levels and '+', '#' are wildcards, so they are replaced.
std::string topic_level(std::string_view text) {
    std::string level(text);
    for (char& c : level) {
        if (c == '/' || c == '+' || c == '#' || c == '\0') c = '_';
    }
    return level.empty() ? "_" : level;
}

std::string status_payload(const SinkIdentity& identity, std::string_view state, std::string_view reason) {
    nlohmann::json status{{"state", state}, {"gateway", identity.gateway_id}, {"site", identity.site},
                          {"at_ms", ipc::utc_now_ms()}};
    if (!reason.empty()) status["reason"] = reason;
    return status.dump();
}

}  // namespace

/// One libmosquitto client and the thread that runs its network loop. deliver() (the forwarder's thread)
/// publishes and waits; callbacks arrive on the network thread; the state between them is under `mutex_`.
class MqttSink::Connection {
public:
    /// One message of a batch: where it goes and what it says.
    struct Message {
        std::string topic;
        std::string payload;
    };
    /// Which messages of a batch the broker acknowledged, and why the others were not.
    struct PublishOutcome {
        std::vector<bool> acknowledged;
        std::string detail;
    };

    Connection(const MqttSinkOptions& options, const std::string& client_id, const SinkIdentity& identity,
               std::string status_topic)
        : options_(options), identity_(identity), status_topic_(std::move(status_topic)) {
        ensure_mosquitto_initialised();
        // clean_session = false: the broker keeps our session (and libmosquitto resends unacknowledged
        // QoS 1 messages) across reconnects.
        client_.reset(mosquitto_new(client_id.c_str(), false, this));
        if (!client_) throw std::runtime_error("MQTT: cannot create client '" + client_id + "': " + describe(MOSQ_ERR_ERRNO));
        mosquitto* c = client_.get();
        check(mosquitto_int_option(c, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311), "protocol version");
        // We run our own network thread and publish from another: tell the library so it locks and wakes it.
        check(mosquitto_threaded_set(c, true), "threaded mode");
        check(mosquitto_max_inflight_messages_set(c, static_cast<unsigned>(options_.max_inflight)), "in-flight window");
        if (!options_.username.empty()) {
            check(mosquitto_username_pw_set(c, options_.username.c_str(),
                                            options_.password.empty() ? nullptr : options_.password.c_str()),
                  "username/password");
        }
        if (!options_.ca_file.empty()) {
            check(mosquitto_tls_set(c, options_.ca_file.c_str(), nullptr,
                                    options_.cert_file.empty() ? nullptr : options_.cert_file.c_str(),
                                    options_.key_file.empty() ? nullptr : options_.key_file.c_str(), nullptr),
                  "TLS files (ca_file, cert_file, key_file)");
        }
        const std::string will = status_payload(identity_, "offline", "connection lost");
        check(mosquitto_will_set(c, status_topic_.c_str(), static_cast<int>(will.size()), will.data(), 1, true),
              "last will");
        mosquitto_connect_callback_set(c, &Connection::on_connect);
        mosquitto_disconnect_callback_set(c, &Connection::on_disconnect);
        mosquitto_publish_callback_set(c, &Connection::on_publish);
        network_ = std::thread([this] { run_network(); });
    }

    ~Connection() {
        if (is_connected()) {
            // A clean DISCONNECT discards the last will, so say "offline" ourselves before leaving.
            const std::string goodbye = status_payload(identity_, "offline", "shutdown");
            (void)publish_all({Message{status_topic_, goodbye}}, 1s, /*retain=*/true);
            {
                std::lock_guard lock(mutex_);
                closing_ = true;
            }
            mosquitto_disconnect(client_.get());
            std::unique_lock lock(mutex_);
            changed_.wait_for(lock, 1s, [&] { return !connected_; });
        }
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        changed_.notify_all();
        network_.join();
    }

    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    std::chrono::milliseconds publish_timeout() const { return options_.publish_timeout; }

    bool is_connected() {
        std::lock_guard lock(mutex_);
        return connected_;
    }

    /// Nothing when connected (within connect_timeout); otherwise why not. Asks the network thread to try
    /// at once instead of waiting out its backoff, and returns as soon as that attempt fails.
    std::optional<std::string> wait_connected() {
        std::unique_lock lock(mutex_);
        if (connected_) return std::nullopt;
        const std::uint64_t failures_before = failed_attempts_;
        reconnect_now_ = true;
        changed_.notify_all();
        changed_.wait_for(lock, options_.connect_timeout,
                          [&] { return connected_ || failed_attempts_ > failures_before; });
        if (connected_) return std::nullopt;
        if (failed_attempts_ > failures_before || !last_error_.empty()) return last_error_;
        return "no CONNACK within " + std::to_string(options_.connect_timeout.count()) + " ms";
    }

    /// Publishes with QoS 1 and waits until every message is acknowledged, the connection drops, or `timeout`.
    PublishOutcome publish_all(const std::vector<Message>& messages, std::chrono::milliseconds timeout,
                               bool retain = false) {
        PublishOutcome outcome;
        outcome.acknowledged.assign(messages.size(), false);
        {
            std::lock_guard lock(mutex_);
            awaiting_.clear();
            early_acks_.clear();  // acks of a previous batch that gave up waiting: nobody needs them now
        }
        std::vector<int> mids(messages.size(), -1);
        for (std::size_t i = 0; i < messages.size(); ++i) {
            int mid = 0;
            const auto& m = messages[i];
            const int rc = mosquitto_publish(client_.get(), &mid, m.topic.c_str(), static_cast<int>(m.payload.size()),
                                             m.payload.data(), 1, retain);
            if (rc != MOSQ_ERR_SUCCESS) {
                outcome.detail = "publish to " + m.topic + " failed: " + describe(rc);
                break;
            }
            mids[i] = mid;
            std::lock_guard lock(mutex_);
            // The PUBACK may already have arrived on the network thread before we learnt the mid.
            if (!early_acks_.erase(mid)) awaiting_.insert(mid);
        }
        std::unique_lock lock(mutex_);
        const bool all = changed_.wait_for(lock, timeout, [&] { return awaiting_.empty() || !connected_; }) &&
                         awaiting_.empty();
        std::size_t missing = 0;
        for (std::size_t i = 0; i < messages.size(); ++i) {
            outcome.acknowledged[i] = mids[i] != -1 && !awaiting_.count(mids[i]);
            if (!outcome.acknowledged[i]) ++missing;
        }
        awaiting_.clear();
        if (!all && outcome.detail.empty()) {
            outcome.detail = connected_ ? "no PUBACK within " + std::to_string(timeout.count()) + " ms for " +
                                              std::to_string(missing) + " of " + std::to_string(messages.size()) +
                                              " messages"
                                        : "connection lost while waiting for PUBACK: " + last_error_;
        }
        return outcome;
    }

private:
    void check(int rc, const std::string& what) const {
        if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error("MQTT: cannot set " + what + ": " + describe(rc));
    }

    void note_failure(std::string why) {
        {
            std::lock_guard lock(mutex_);
            connected_ = false;
            last_error_ = std::move(why);
            ++failed_attempts_;
        }
        changed_.notify_all();
    }

    /// The network thread: connects, runs the libmosquitto loop (keepalive, acks, resends), and reconnects
    /// with exponential backoff (1 s doubling up to reconnect_max), or at once when deliver() asks.
    void run_network() {
        mosquitto* c = client_.get();
        bool attempted = false;
        auto next_attempt = Clock::now();
        const std::string where = options_.host + ":" + std::to_string(options_.port);
        while (true) {
            if (mosquitto_socket(c) < 0) {
                std::unique_lock lock(mutex_);
                connected_ = false;
                if (closing_) {  // said goodbye: stay disconnected until told to stop
                    changed_.wait(lock, [&] { return stopping_; });
                    return;
                }
                changed_.wait_until(lock, next_attempt, [&] { return stopping_ || closing_ || reconnect_now_; });
                if (stopping_) return;
                if (closing_) continue;
                reconnect_now_ = false;
                lock.unlock();
                // Asynchronous connect: the TCP handshake completes inside mosquitto_loop, so a broker that
                // does not answer never blocks this thread (deliver() gives up after connect_timeout).
                const int rc = attempted ? mosquitto_reconnect_async(c)
                                         : mosquitto_connect_async(c, options_.host.c_str(), options_.port,
                                                                   static_cast<int>(options_.keepalive.count()));
                attempted = true;
                if (rc != MOSQ_ERR_SUCCESS) {
                    note_failure("cannot connect to " + where + ": " + describe(rc));
                    next_attempt = Clock::now() + backoff_;
                    backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, options_.reconnect_max);
                }
                continue;
            }
            const int rc = mosquitto_loop(c, 200, 1);
            {
                std::lock_guard lock(mutex_);
                if (stopping_) return;
            }
            if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
                // The library has closed the socket (connection refused, lost, or CONNACK refused).
                std::string why = describe(rc);
                {
                    std::lock_guard lock(mutex_);
                    if (!refusal_.empty()) why = std::exchange(refusal_, {});
                }
                note_failure("connection to " + where + ": " + why);
                next_attempt = Clock::now() + backoff_;
                backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, options_.reconnect_max);
            }
        }
    }

    static void on_connect(mosquitto* client, void* self_ptr, int rc) {
        auto& self = *static_cast<Connection*>(self_ptr);
        if (rc != 0) {
            std::lock_guard lock(self.mutex_);
            self.refusal_ = std::string("broker refused the connection: ") + mosquitto_connack_string(rc);
            return;
        }
        self.backoff_ = 1s;
        // Retained, so whoever subscribes later sees the gateway's current state; the will replaces it.
        const std::string online = status_payload(self.identity_, "online", "");
        mosquitto_publish(client, nullptr, self.status_topic_.c_str(), static_cast<int>(online.size()), online.data(),
                          1, true);
        {
            std::lock_guard lock(self.mutex_);
            self.connected_ = true;
            self.last_error_.clear();
        }
        self.changed_.notify_all();
    }

    static void on_disconnect(mosquitto*, void* self_ptr, int rc) {
        auto& self = *static_cast<Connection*>(self_ptr);
        {
            std::lock_guard lock(self.mutex_);
            self.connected_ = false;
            if (rc != 0) self.last_error_ = "disconnected: " + describe(rc);
        }
        self.changed_.notify_all();
    }

    static void on_publish(mosquitto*, void* self_ptr, int mid) {
        auto& self = *static_cast<Connection*>(self_ptr);
        {
            std::lock_guard lock(self.mutex_);
            if (!self.awaiting_.erase(mid)) self.early_acks_.insert(mid);
        }
        self.changed_.notify_all();
    }

    const MqttSinkOptions options_;
    const SinkIdentity identity_;
    const std::string status_topic_;
    MosquittoHandle client_;
    std::chrono::milliseconds backoff_{1000};  ///< Network thread only.

    std::mutex mutex_;
    std::condition_variable changed_;
    bool connected_ = false;
    bool closing_ = false;   ///< The goodbye is said: do not reconnect.
    bool stopping_ = false;  ///< The network thread is to end.
    bool reconnect_now_ = false;
    std::uint64_t failed_attempts_ = 0;
    std::string last_error_;
    std::string refusal_;  ///< Why the broker refused the last CONNECT, until the loop reports the failure.
    std::unordered_set<int> awaiting_;    ///< mids of the current batch not yet acknowledged.
    std::unordered_set<int> early_acks_;  ///< acks for mids not (yet) in awaiting_.
    std::thread network_;  // last: started after everything it uses exists, joined before it goes
};

MqttSink::MqttSink(const SinkConfig& config, SinkIdentity identity)
    : name_(config.name), lanes_(config.lanes), max_batch_(config.max_batch) {
    if (config.type != SinkType::mqtt) throw std::invalid_argument("MqttSink needs an mqtt sink configuration");
    // The prefix may have levels of its own ("campus/east"); site and gateway are one level each.
    topic_base_ = config.mqtt.topic_prefix + "/" + topic_level(identity.site) + "/" + topic_level(identity.gateway_id);
    status_topic_ = topic_base_ + "/status";
    const std::string client_id =
        config.mqtt.client_id.empty() ? identity.gateway_id + "-" + identity.site : config.mqtt.client_id;
    connection_ = std::make_unique<Connection>(config.mqtt, client_id, identity, status_topic_);
}

MqttSink::~MqttSink() = default;

bool MqttSink::accepts(storage::OutboxLane lane) const {
    return std::find(lanes_.begin(), lanes_.end(), lane) != lanes_.end();
}

std::string MqttSink::topic_for(const storage::OutboxRecord& record) const {
    return topic_base_ + "/" + std::string(storage::to_string(record.lane)) + "/" + topic_level(record.kind);
}

DeliveryReport MqttSink::deliver(std::span<const storage::OutboxRecord> records) {
    DeliveryReport report;
    report.statuses.assign(records.size(), DeliveryStatus::retry_later);
    if (records.empty()) return report;
    for (const auto& record : records) {
        if (!accepts(record.lane)) throw std::logic_error("sink " + name_ + " was given a record of a lane it does not take");
    }
    if (auto why = connection_->wait_connected()) {
        report.detail = "MQTT broker not connected: " + *why;
        return report;
    }
    std::vector<Connection::Message> messages;
    std::vector<std::size_t> positions;  // index in `records` of each message
    std::string poisoned;
    for (std::size_t i = 0; i < records.size(); ++i) {
        auto envelope = record_envelope(records[i]);
        if (!envelope) {
            report.statuses[i] = DeliveryStatus::rejected;
            poisoned += (poisoned.empty() ? "" : ", ") + records[i].key;
            continue;
        }
        messages.push_back({topic_for(records[i]), envelope->dump()});
        positions.push_back(i);
    }
    const auto outcome = connection_->publish_all(messages, connection_->publish_timeout());
    for (std::size_t m = 0; m < messages.size(); ++m) {
        if (outcome.acknowledged[m]) report.statuses[positions[m]] = DeliveryStatus::delivered;
    }
    report.detail = outcome.detail;
    if (!poisoned.empty()) {
        report.detail += (report.detail.empty() ? "" : "; ") + std::string("body is not a JSON object: ") + poisoned;
    }
    return report;
}

}  // namespace gatehouse::daemon::forwarding
