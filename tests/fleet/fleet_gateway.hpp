#pragma once
// A fleet gateway for the fleet tests: the real gatehoused (GatewayFixture) with its own gateway id, an MQTT sink
// on a list of brokers, and an outbox filled with routine records before it starts, so that the test watches a
// drain. And a tally of what a platform subscriber received, by idempotency key.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gatehouse/storage/ledger.hpp"
#include "gateway_fixture.hpp"
#include "mosquitto_broker.hpp"

namespace gatehouse::test {

/// The daemon's MQTT client id for this fleet gateway (configured, so that the test can find its session).
inline std::string fleet_client_id(const std::string& gateway_id) { return gateway_id + "-uplink"; }

/// Starts gatehoused as gateway `id` with `records` routine records queued in its outbox and one MQTT sink on
/// `brokers` ("host:port", tried in this order).
/// `drain_rate`: the forwarding's max_drain_rate (records per second while a backlog drains; 0 unpaced), so that a
/// test can act mid-drain.
inline std::unique_ptr<GatewayFixture> start_fleet_gateway(const std::string& id, const std::vector<std::string>& brokers,
                                                           std::int64_t records, std::int64_t drain_rate = 0) {
    auto gw = std::make_unique<GatewayFixture>(1, "", "", "", Transport::plaintext, /*start_now=*/false);
    gw->edit_config("id = \"test-gw\"", "id = \"" + id + "\"\nsite = \"campus\"");
    std::string list;
    for (const auto& b : brokers) list += (list.empty() ? "\"" : ", \"") + b + "\"";
    gw->append_config("[forwarding]\nenabled = true\nretry_initial_ms = 200\nretry_max_ms = 1000\nmax_drain_rate = " +
                      std::to_string(drain_rate) + "\n"
                      "[[forwarding.sinks]]\nname = \"fleet\"\ntype = \"mqtt\"\nbrokers = [" + list + "]\nclient_id = \"" +
                      fleet_client_id(id) + "\"\nconnect_timeout_ms = 2000\npublish_timeout_ms = 5000\nreconnect_max_s = 2\n");
    {
        storage::LedgerOptions options;
        options.path = gw->ledger_path();
        options.gateway_id = id;
        storage::Ledger ledger(options);
        storage::LedgerBatch batch;
        for (std::int64_t n = 0; n < records;) {
            batch.outbox.clear();
            for (int i = 0; i < 1000 && n < records; ++i, ++n) {
                // Now: the outbox's time-to-live purges what looks older (retention runs at start-up).
                const std::int64_t at = std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count();
                batch.outbox.push_back({storage::OutboxLane::routine, "door_open", "g1", at,
                                        nlohmann::json{{"terminal", "t1"}, {"n", n}, {"event", "door_open"},
                                                       {"person", "P" + std::to_string(n % 5000)}}
                                            .dump()});
            }
            ledger.append(batch);
        }
    }
    gw->start();
    // The forwarding subsystem lists its sink a moment after the control socket answers: wait for it, so that
    // fleet_sink() may be read at once.
    if (!eventually([&] { return !gw->status()["forwarding"]["sinks"].empty(); }, std::chrono::seconds(60))) {
        throw std::runtime_error("gateway " + id + " listed no forwarding sink within 60 s");
    }
    return gw;
}

/// The gateway's (only) sink as `gatehouse status` reports it.
inline nlohmann::json fleet_sink(GatewayFixture& gw) { return gw.status()["forwarding"]["sinks"].at(0); }

/// What a platform subscriber received, by gateway: every idempotency key, and how many messages carried one.
class KeyTally {
public:
    void update(MqttSubscriber& subscriber) {
        for (const auto& m : subscriber.messages_since(taken_)) {
            ++taken_;
            const nlohmann::json p = nlohmann::json::parse(m.payload, nullptr, false);
            if (p.is_discarded() || !p.is_object()) continue;
            const auto key = p.find("key");
            if (key == p.end() || !key->is_string()) continue;  // the retained status messages
            const std::string k = key->get<std::string>();
            ++messages_;
            keys_[k.substr(0, k.find(':'))].insert(k);
        }
    }
    /// Distinct keys received from `gateway`.
    std::size_t unique(const std::string& gateway) const {
        const auto it = keys_.find(gateway);
        return it == keys_.end() ? 0 : it->second.size();
    }
    std::size_t unique_total() const {
        std::size_t n = 0;
        for (const auto& [gateway, keys] : keys_) n += keys.size();
        return n;
    }
    /// Record messages received, duplicates included.
    std::size_t messages() const { return messages_; }
    const std::set<std::string>& keys(const std::string& gateway) const { return keys_.at(gateway); }

private:
    std::size_t taken_ = 0;
    std::size_t messages_ = 0;
    std::map<std::string, std::set<std::string>> keys_;
};

}  // namespace gatehouse::test
