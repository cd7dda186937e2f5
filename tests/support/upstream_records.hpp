#pragma once
// What a test's MQTT subscriber received from gatehoused's forwarder: the [forwarding] table pointing at a test
// broker, and the records it carried grouped by lane and idempotency key.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <thread>
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

/// A running tally of what a subscriber received, parsed once per message: event and decision keys, and per
/// lane whether each record's first arrival came after every earlier lane_seq's (per-lane order).
class UpstreamTally {
public:
    explicit UpstreamTally(std::string terminal = "t2") : terminal_(std::move(terminal)) {}

    /// Takes what arrived since the last call.
    void update(MqttSubscriber& subscriber) {
        for (const auto& m : subscriber.messages_since(taken_)) {
            ++taken_;
            const nlohmann::json p = nlohmann::json::parse(m.payload, nullptr, false);
            if (p.is_discarded() || !p.contains("key") || !p.contains("lane")) continue;
            const std::string key = p["key"].get<std::string>();
            const std::string lane = p["lane"].get<std::string>();
            const std::int64_t lane_seq = std::stoll(key.substr(key.rfind(':') + 1));
            if (first_arrivals_[lane].insert(lane_seq).second) {
                auto& highest = highest_[lane];
                if (lane_seq < highest) ++out_of_order_;
                highest = std::max(highest, lane_seq);
            }
            const nlohmann::json& record = p["record"];
            if (lane == "routine" && record.value("type", "") == "event" && record.value("terminal", "") == terminal_) {
                events_[record["seq"].get<std::int64_t>()].insert(key);
            } else if (lane == "record" && p.value("kind", "") == "decision") {
                decisions_[record["request"].get<std::string>()].insert(key);
            }
        }
    }
    /// Polls `subscriber` until `done(*this)` or `timeout`; true when done.
    template <typename Done>
    bool wait_until(MqttSubscriber& subscriber, Done done, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            update(subscriber);
            if (done(*this)) return true;
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }

    const std::map<std::int64_t, std::set<std::string>>& events() const { return events_; }
    const std::map<std::string, std::set<std::string>>& decisions() const { return decisions_; }
    /// Records whose first arrival came after a later record of their lane.
    std::size_t out_of_order() const { return out_of_order_; }
    /// Distinct lane_seqs received per lane.
    const std::map<std::string, std::set<std::int64_t>>& lanes() const { return first_arrivals_; }
    std::size_t messages() const { return taken_; }

private:
    std::string terminal_;
    std::size_t taken_ = 0;
    std::map<std::int64_t, std::set<std::string>> events_;
    std::map<std::string, std::set<std::string>> decisions_;
    std::map<std::string, std::set<std::int64_t>> first_arrivals_;
    std::map<std::string, std::int64_t> highest_;
    std::size_t out_of_order_ = 0;
};

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
