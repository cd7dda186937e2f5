#pragma once
// What a test's MQTT subscriber received from gatehoused's forwarder: the [forwarding] table pointing at a test
// broker, and the records it carried grouped by lane and idempotency key.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mosquitto_broker.hpp"

namespace gatehouse::test {

/// A [forwarding] table with one MQTT sink on 127.0.0.1:port, quick retries and no drain-rate limit.
inline std::string mqtt_forwarding(int port, const std::string& client_id = "gatehouse-test") {
    return "[forwarding]\nenabled = true\nretry_initial_ms = 200\nretry_max_ms = 1000\nmax_drain_rate = 0\n"
           "[[forwarding.sinks]]\nname = \"broker\"\ntype = \"mqtt\"\nhost = \"127.0.0.1\"\nport = " +
           std::to_string(port) + "\nclient_id = \"" + client_id + "\"\n";
}

/// The idempotency keys each event of `terminal` arrived under, by the event's own seq. Receiving an event
/// twice under one key is the at-least-once promise; under two keys it would be a double forward.
inline std::map<std::int64_t, std::set<std::string>> event_keys(const std::vector<MqttMessage>& messages,
                                                                const std::string& terminal = "t2") {
    std::map<std::int64_t, std::set<std::string>> out;
    for (const auto& m : messages) {
        const nlohmann::json p = nlohmann::json::parse(m.payload, nullptr, false);
        if (p.is_discarded() || p.value("lane", "") != "routine") continue;
        const nlohmann::json& event = p["record"];
        if (event["type"] != "event" || event["terminal"] != terminal) continue;
        out[event["seq"].get<std::int64_t>()].insert(p["key"].get<std::string>());
    }
    return out;
}

/// The keys each decision arrived under, by its request id.
inline std::map<std::string, std::set<std::string>> decision_keys(const std::vector<MqttMessage>& messages) {
    std::map<std::string, std::set<std::string>> out;
    for (const auto& m : messages) {
        const nlohmann::json p = nlohmann::json::parse(m.payload, nullptr, false);
        if (p.is_discarded() || p.value("lane", "") != "record" || p.value("kind", "") != "decision") continue;
        out[p["record"]["request"].get<std::string>()].insert(p["key"].get<std::string>());
    }
    return out;
}

/// How many messages of `lane` arrived.
inline std::size_t count_lane(const std::vector<MqttMessage>& messages, const std::string& lane) {
    std::size_t n = 0;
    for (const auto& m : messages) {
        const nlohmann::json p = nlohmann::json::parse(m.payload, nullptr, false);
        if (!p.is_discarded() && p.value("lane", "") == lane) ++n;
    }
    return n;
}

}  // namespace gatehouse::test
