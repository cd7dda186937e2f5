#pragma once
// A short blocking MQTT session on the calling thread, for the platform-side tools (`gatehouse fleet publish`,
// `gatehouse fleet status`) and tests: connect, publish with QoS 1 and wait for the PUBACK, subscribe and take what
// arrives. The gateway's long-lived link is FleetLink.
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gatehouse::daemon::fleet {

/// Where and how to connect.
struct MqttEndpoint {
    std::string host = "127.0.0.1";
    int port = 1883;
    std::string username;
    std::string password;
    std::string ca_file;  ///< Set to use TLS.
    std::string cert_file;
    std::string key_file;
};

/// The broker cannot be reached, refused us, or did not acknowledge in time.
class MqttSessionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct MqttReceived {
    std::string topic;
    std::string payload;
    bool retained = false;
};

class MqttSession {
public:
    /// Connects (clean session) within `timeout`, or throws MqttSessionError.
    MqttSession(const MqttEndpoint& endpoint, const std::string& client_id, std::chrono::milliseconds timeout);
    ~MqttSession();
    MqttSession(const MqttSession&) = delete;
    MqttSession& operator=(const MqttSession&) = delete;

    /// QoS 1; returns once the broker acknowledged it; throws MqttSessionError otherwise.
    void publish(const std::string& topic, const std::string& payload, bool retain);
    /// Subscribes with QoS 1 and waits for the SUBACK.
    void subscribe(const std::string& filter);
    /// The next message received, waiting until `deadline`; nullopt when none came.
    std::optional<MqttReceived> next(std::chrono::steady_clock::time_point deadline);

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace gatehouse::daemon::fleet
