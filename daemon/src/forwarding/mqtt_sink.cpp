#include "gatehouse/daemon/forwarding/mqtt_sink.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <mosquitto.h>
#include <nlohmann/json.hpp>

#include "gatehouse/daemon/forwarding/record_envelope.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "mqtt/mosquitto_library.hpp"
#include "puback_tracker.hpp"

namespace gatehouse::daemon::forwarding {
namespace {

using mqtt::describe_mosquitto_error;
using mqtt::ensure_mosquitto_initialised;

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct MosquittoDeleter {
    void operator()(mosquitto* client) const { mosquitto_destroy(client); }
};
using MosquittoHandle = std::unique_ptr<mosquitto, MosquittoDeleter>;

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

/// One libmosquitto client and the thread that runs its network loop. The forwarder's thread publishes
/// (submit) and takes outcomes (collect); PUBACKs and connection changes arrive on the network thread; the
/// state between them, including which messages still wait for their PUBACK, is under `mutex_`.
class MqttSink::Connection {
public:
    /// One message: where it goes and what it says.
    struct Message {
        std::string topic;
        std::string payload;
    };
    /// One record handed over: its message, or none when its body is not a JSON object (refused).
    struct Outgoing {
        std::optional<Message> message;
        std::string key;  ///< For the detail when refused.
    };

    Connection(const MqttSinkOptions& options, const std::string& client_id, const SinkIdentity& identity,
               std::string status_topic)
        : options_(options),
          identity_(identity),
          status_topic_(std::move(status_topic)),
          where_(options_.brokers.at(0).to_string()) {
        ensure_mosquitto_initialised();
        // clean_session = false: the broker keeps our session (and libmosquitto resends unacknowledged
        // QoS 1 messages) across reconnects.
        client_.reset(mosquitto_new(client_id.c_str(), false, this));
        if (!client_) throw std::runtime_error("MQTT: cannot create client '" + client_id + "': " + describe_mosquitto_error(MOSQ_ERR_ERRNO));
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
            // A clean DISCONNECT discards the last will, so say "offline" ourselves before leaving. Records
            // still waiting for their PUBACK stay unconfirmed in the outbox; the goodbye queues behind them.
            abandon();
            const std::string goodbye = status_payload(identity_, "offline", "shutdown");
            submit({Outgoing{Message{status_topic_, goodbye}, {}}}, /*retain=*/true);
            (void)collect(1, Clock::now() + 1s);
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

    /// Records handed over and not collected yet.
    std::size_t outstanding() {
        std::lock_guard lock(mutex_);
        return tracker_.size();
    }

    /// The broker ("host:port") the client is connected to, or was last trying.
    std::string broker() {
        std::lock_guard lock(mutex_);
        return where_;
    }

    /// Nothing when connected (within connect_timeout); otherwise why not. Asks the network thread to try
    /// at once instead of waiting out its backoff, and returns as soon as every broker of the list has failed
    /// once (one attempt each: a cluster's dead node is skipped at once).
    std::optional<std::string> wait_connected() {
        std::unique_lock lock(mutex_);
        if (connected_) return std::nullopt;
        const std::uint64_t failures_before = failed_attempts_;
        const std::uint64_t brokers = options_.brokers.size();
        reconnect_now_ = true;
        changed_.notify_all();
        changed_.wait_for(lock, options_.connect_timeout * static_cast<int>(brokers),
                          [&] { return connected_ || failed_attempts_ >= failures_before + brokers; });
        if (connected_) return std::nullopt;
        if (failed_attempts_ > failures_before || !last_error_.empty()) return last_error_;
        return "no CONNACK from " + where_ + " within " + std::to_string(options_.connect_timeout.count()) + " ms";
    }

    /// Publishes with QoS 1, after everything submitted before, without waiting for PUBACKs: libmosquitto
    /// queues what does not fit into the in-flight window and sends it as PUBACKs free slots, so the window
    /// stays full for as long as something is queued. Every item gets an outcome (see collect).
    void submit(const std::vector<Outgoing>& items, bool retain = false) {
        if (items.empty()) return;
        if (const auto why = wait_connected()) {
            std::lock_guard lock(mutex_);
            for (std::size_t i = 0; i < items.size(); ++i) tracker_.add_unsent("MQTT broker not connected: " + *why);
            return;
        }
        std::uint64_t failures_before = 0;
        {
            std::lock_guard lock(mutex_);
            failures_before = failed_attempts_;
        }
        // Publish without holding our mutex (the network thread needs it for every PUBACK meanwhile); the
        // mids are added in one go afterwards, and PUBACKs that overtook that wait in the tracker.
        constexpr int kNotPublished = -1;
        std::vector<int> mids(items.size(), kNotPublished);
        std::string publish_error;
        for (std::size_t i = 0; i < items.size() && publish_error.empty(); ++i) {
            if (!items[i].message) continue;
            const Message& m = *items[i].message;
            const int rc = mosquitto_publish(client_.get(), &mids[i], m.topic.c_str(), static_cast<int>(m.payload.size()),
                                             m.payload.data(), 1, retain);
            if (rc != MOSQ_ERR_SUCCESS) {
                mids[i] = kNotPublished;
                publish_error = "publish to " + m.topic + " failed: " + describe_mosquitto_error(rc);
            }
        }
        const auto deadline = Clock::now() + options_.publish_timeout;
        {
            std::lock_guard lock(mutex_);
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (!items[i].message) {
                    tracker_.add_rejected(items[i].key);
                } else if (mids[i] == kNotPublished) {
                    tracker_.add_unsent(publish_error.empty() ? "not published" : publish_error);
                } else {
                    tracker_.add_published(mids[i], deadline);
                }
            }
            tracker_.forget_unmatched_acks();
            // The connection failed while we published: what it lost would wait for nothing.
            if (!connected_ || failed_attempts_ != failures_before) tracker_.give_up_waiting(connection_lost());
        }
        changed_.notify_all();
    }

    /// Outcomes of the settled records at the front, once `count` of them are settled or at `deadline`.
    /// A message waiting longer than publish_timeout is given up (retry_later), as is everything waiting
    /// when the connection is lost.
    DeliveryReport collect(std::size_t count, Clock::time_point deadline) {
        std::unique_lock lock(mutex_);
        want_ = std::min(count, tracker_.size());
        while (tracker_.settled_front() < want_) {
            const auto now = Clock::now();
            if (!connected_ && tracker_.waiting() > 0) {
                tracker_.give_up_waiting(connection_lost());
                continue;
            }
            const auto overdue = tracker_.first_deadline();
            if (overdue && *overdue <= now) {
                tracker_.give_up_waiting("no PUBACK within " + std::to_string(options_.publish_timeout.count()) +
                                         " ms (" + std::to_string(tracker_.waiting()) + " messages unconfirmed)");
                continue;
            }
            if (now >= deadline) break;
            changed_.wait_until(lock, overdue ? std::min(deadline, *overdue) : deadline);
        }
        want_ = 0;
        return tracker_.take_settled_front();
    }

    /// Forgets everything handed over: later PUBACKs of those messages are ignored.
    void abandon() {
        std::lock_guard lock(mutex_);
        tracker_.give_up_waiting("abandoned");
        (void)tracker_.take_settled_front();
    }

private:
    void check(int rc, const std::string& what) const {
        if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error("MQTT: cannot set " + what + ": " + describe_mosquitto_error(rc));
    }

    /// Why messages waiting for their PUBACK are given up; under `mutex_`.
    std::string connection_lost() const {
        return "connection lost while waiting for PUBACK: " +
               (last_error_.empty() ? "connection to " + where_ + " closed" : last_error_);
    }

    void note_failure(std::string why) {
        {
            std::lock_guard lock(mutex_);
            connected_ = false;
            last_error_ = std::move(why);
            ++failed_attempts_;
            if (tracker_.waiting() > 0) tracker_.give_up_waiting(connection_lost());
        }
        changed_.notify_all();
    }

    /// The network thread: connects, runs the libmosquitto loop (keepalive, acks, resends), and reconnects.
    /// Failover: after a failure (connection lost, refused, CONNACK refused) the next attempt goes to the next
    /// broker of the list at once; only after a whole round of the list has failed does it back off
    /// exponentially (1 s doubling up to reconnect_max), unless deliver() asks for an attempt now. The session is
    /// persistent (clean session off, the same client id), so a cluster's other node takes it over.
    void run_network() {
        mosquitto* c = client_.get();
        const std::size_t brokers = options_.brokers.size();
        std::size_t current = 0;
        std::size_t failures_in_round = 0;  // consecutive failures since the last CONNACK
        auto next_attempt = Clock::now();
        auto fail = [&](std::string why) {
            note_failure(std::move(why));
            current = (current + 1) % brokers;
            {
                std::lock_guard lock(mutex_);
                where_ = options_.brokers[current].to_string();
            }
            if (++failures_in_round % brokers == 0) {
                next_attempt = Clock::now() + backoff_;
                backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, options_.reconnect_max);
            } else {
                next_attempt = Clock::now();
            }
        };
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
                if (connect_succeeded_) {
                    connect_succeeded_ = false;
                    failures_in_round = 0;
                }
                lock.unlock();
                // Asynchronous connect: the TCP handshake completes inside mosquitto_loop, so a broker that
                // does not answer never blocks this thread (deliver() gives up after connect_timeout).
                const MqttBrokerAddress& broker = options_.brokers[current];
                const int rc = mosquitto_connect_async(c, broker.host.c_str(), broker.port,
                                                       static_cast<int>(options_.keepalive.count()));
                if (rc != MOSQ_ERR_SUCCESS) fail("cannot connect to " + broker.to_string() + ": " + describe_mosquitto_error(rc));
                continue;
            }
            const int rc = mosquitto_loop(c, 200, 1);
            {
                std::lock_guard lock(mutex_);
                if (stopping_) return;
                if (connect_succeeded_) {
                    connect_succeeded_ = false;
                    failures_in_round = 0;
                }
            }
            if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
                // The library has closed the socket (connection refused, lost, or CONNACK refused).
                std::string why = describe_mosquitto_error(rc);
                std::string where;
                {
                    std::lock_guard lock(mutex_);
                    if (!refusal_.empty()) why = std::exchange(refusal_, {});
                    where = where_;
                }
                fail("connection to " + where + ": " + why);
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
        {
            std::lock_guard lock(self.mutex_);
            self.connect_succeeded_ = true;
        }
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
            // Same wording as the network loop's report of the same failure, which follows.
            if (rc != 0) self.last_error_ = "connection to " + self.where_ + ": " + describe_mosquitto_error(rc);
            if (self.tracker_.waiting() > 0) self.tracker_.give_up_waiting(self.connection_lost());
        }
        self.changed_.notify_all();
    }

    static void on_publish(mosquitto*, void* self_ptr, int mid) {
        auto& self = *static_cast<Connection*>(self_ptr);
        bool enough = false;
        {
            std::lock_guard lock(self.mutex_);
            self.tracker_.acknowledge(mid);
            enough = self.want_ > 0 && self.tracker_.settled_front() >= self.want_;
        }
        // Only when the collector's wish is met: waking it for each of tens of thousands of PUBACKs a
        // second would cost more than the publishing itself.
        if (enough) self.changed_.notify_all();
    }

    const MqttSinkOptions options_;
    const SinkIdentity identity_;
    const std::string status_topic_;
    std::string where_;  ///< "host:port" of the broker connected to or tried; under `mutex_`.
    MosquittoHandle client_;
    std::chrono::milliseconds backoff_{1000};  ///< Network thread only.

    std::mutex mutex_;
    std::condition_variable changed_;
    bool connected_ = false;
    bool closing_ = false;   ///< The goodbye is said: do not reconnect.
    bool stopping_ = false;  ///< The network thread is to end.
    bool reconnect_now_ = false;
    bool connect_succeeded_ = false;  ///< A CONNACK arrived: the network thread restarts its round of brokers.
    std::uint64_t failed_attempts_ = 0;
    std::string last_error_;
    std::string refusal_;  ///< Why the broker refused the last CONNECT, until the loop reports the failure.
    PubackTracker tracker_;   ///< What was handed over and not collected, in order.
    std::size_t want_ = 0;    ///< Settled messages collect() waits for; 0 when nobody waits.
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

void MqttSink::submit(std::span<const storage::OutboxRecord> records) {
    std::vector<Connection::Outgoing> items;
    items.reserve(records.size());
    for (const auto& record : records) {
        if (!accepts(record.lane)) throw std::logic_error("sink " + name_ + " was given a record of a lane it does not take");
        auto envelope = record_envelope(record);
        if (!envelope) {
            items.push_back({std::nullopt, record.key});
            continue;
        }
        items.push_back({Connection::Message{topic_for(record), std::move(*envelope)}, {}});
    }
    connection_->submit(items);
}

DeliveryReport MqttSink::collect(std::size_t count, Clock::time_point deadline) {
    return connection_->collect(count, deadline);
}

void MqttSink::abandon() { connection_->abandon(); }

std::string MqttSink::endpoint() const { return connection_->broker(); }

DeliveryReport MqttSink::deliver(std::span<const storage::OutboxRecord> records) {
    if (connection_->outstanding() > 0) throw std::logic_error("sink " + name_ + ": deliver() while records are in flight");
    if (records.empty()) return {};
    submit(records);
    // Every message is settled by its publish_timeout, counted from the end of submit().
    DeliveryReport report = collect(records.size(), Clock::now() + connection_->publish_timeout() + 1s);
    if (report.statuses.size() < records.size()) {
        connection_->abandon();  // cannot happen by the timeouts above; never leave outcomes for a later call
        report.statuses.resize(records.size(), DeliveryStatus::retry_later);
    }
    return report;
}

}  // namespace gatehouse::daemon::forwarding
