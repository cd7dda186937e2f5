#include "gatehouse/daemon/fleet/mqtt_session.hpp"

#include <deque>
#include <set>

#include <mosquitto.h>

#include "mqtt/mosquitto_library.hpp"

namespace gatehouse::daemon::fleet {
namespace {

using mqtt::describe_mosquitto_error;
using mqtt::ensure_mosquitto_initialised;

using Clock = std::chrono::steady_clock;

}  // namespace

struct MqttSession::State {
    mosquitto* client = nullptr;
    std::string where;
    std::chrono::milliseconds timeout{};
    bool connected = false;
    int connack = -1;
    std::set<int> acked;
    std::set<int> subscribed;
    std::deque<MqttReceived> received;

    ~State() {
        if (client) mosquitto_destroy(client);
    }

    /// Runs the network loop until `done` or `deadline`; throws when the connection fails.
    template <typename Done>
    bool loop_until(Done done, Clock::time_point deadline) {
        while (!done()) {
            if (Clock::now() >= deadline) return false;
            const int rc = mosquitto_loop(client, 50, 1);
            if (rc != MOSQ_ERR_SUCCESS) throw MqttSessionError("MQTT connection to " + where + " failed: " + describe_mosquitto_error(rc));
        }
        return true;
    }
};

MqttSession::MqttSession(const MqttEndpoint& endpoint, const std::string& client_id, std::chrono::milliseconds timeout)
    : state_(std::make_unique<State>()) {
    ensure_mosquitto_initialised();
    State& s = *state_;
    s.where = endpoint.host + ":" + std::to_string(endpoint.port);
    s.timeout = timeout;
    s.client = mosquitto_new(client_id.c_str(), true, &s);
    if (!s.client) throw MqttSessionError("cannot create an MQTT client: " + describe_mosquitto_error(MOSQ_ERR_ERRNO));
    mosquitto_int_option(s.client, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    if (!endpoint.username.empty()) {
        mosquitto_username_pw_set(s.client, endpoint.username.c_str(), endpoint.password.empty() ? nullptr : endpoint.password.c_str());
    }
    if (!endpoint.ca_file.empty()) {
        const int rc = mosquitto_tls_set(s.client, endpoint.ca_file.c_str(), nullptr,
                                         endpoint.cert_file.empty() ? nullptr : endpoint.cert_file.c_str(),
                                         endpoint.key_file.empty() ? nullptr : endpoint.key_file.c_str(), nullptr);
        if (rc != MOSQ_ERR_SUCCESS) throw MqttSessionError("TLS files: " + describe_mosquitto_error(rc));
    }
    mosquitto_connect_callback_set(s.client, [](mosquitto*, void* p, int rc) {
        auto& st = *static_cast<State*>(p);
        st.connack = rc;
        st.connected = rc == 0;
    });
    mosquitto_publish_callback_set(s.client, [](mosquitto*, void* p, int mid) { static_cast<State*>(p)->acked.insert(mid); });
    mosquitto_subscribe_callback_set(s.client, [](mosquitto*, void* p, int mid, int, const int*) {
        static_cast<State*>(p)->subscribed.insert(mid);
    });
    mosquitto_message_callback_set(s.client, [](mosquitto*, void* p, const mosquitto_message* m) {
        MqttReceived r;
        r.topic = m->topic ? m->topic : "";
        if (m->payload) r.payload.assign(static_cast<const char*>(m->payload), static_cast<std::size_t>(m->payloadlen));
        r.retained = m->retain;
        static_cast<State*>(p)->received.push_back(std::move(r));
    });
    const int rc = mosquitto_connect(s.client, endpoint.host.c_str(), endpoint.port, 30);
    if (rc != MOSQ_ERR_SUCCESS) throw MqttSessionError("cannot connect to MQTT broker " + s.where + ": " + describe_mosquitto_error(rc));
    if (!s.loop_until([&] { return s.connack >= 0; }, Clock::now() + timeout)) {
        throw MqttSessionError("no CONNACK from " + s.where + " within " + std::to_string(timeout.count()) + " ms");
    }
    if (!s.connected) throw MqttSessionError("broker " + s.where + " refused the connection: " + mosquitto_connack_string(s.connack));
}

MqttSession::~MqttSession() {
    if (state_->connected) {
        mosquitto_disconnect(state_->client);
        (void)mosquitto_loop(state_->client, 10, 1);
    }
}

void MqttSession::publish(const std::string& topic, const std::string& payload, bool retain) {
    State& s = *state_;
    int mid = 0;
    const int rc = mosquitto_publish(s.client, &mid, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 1, retain);
    if (rc != MOSQ_ERR_SUCCESS) throw MqttSessionError("publish to " + topic + " failed: " + describe_mosquitto_error(rc));
    if (!s.loop_until([&] { return s.acked.count(mid) > 0; }, Clock::now() + s.timeout)) {
        throw MqttSessionError("no PUBACK from " + s.where + " for " + topic + " within " + std::to_string(s.timeout.count()) + " ms");
    }
}

void MqttSession::subscribe(const std::string& filter) {
    State& s = *state_;
    int mid = 0;
    const int rc = mosquitto_subscribe(s.client, &mid, filter.c_str(), 1);
    if (rc != MOSQ_ERR_SUCCESS) throw MqttSessionError("subscribe to " + filter + " failed: " + describe_mosquitto_error(rc));
    if (!s.loop_until([&] { return s.subscribed.count(mid) > 0; }, Clock::now() + s.timeout)) {
        throw MqttSessionError("no SUBACK from " + s.where + " for " + filter);
    }
}

std::optional<MqttReceived> MqttSession::next(Clock::time_point deadline) {
    State& s = *state_;
    if (!s.loop_until([&] { return !s.received.empty(); }, deadline)) return std::nullopt;
    MqttReceived r = std::move(s.received.front());
    s.received.pop_front();
    return r;
}

}  // namespace gatehouse::daemon::fleet
