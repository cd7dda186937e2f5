// Failover uplink (issue 19): three real gateways drain their outboxes into a three-node NATS cluster (JetStream +
// MQTT); mid-drain the node one gateway is attached to is killed with SIGKILL and restarted later. A platform
// subscriber (an MQTT QoS 1 persistent session on a node that stays up, which NATS backs with a JetStream durable
// consumer) must receive every record at least once, exactly once after dropping duplicates by idempotency key,
// and every outbox must end empty. And the same with mosquitto, restarted mid-drain.
//
// Record count: GATEHOUSE_FLEET_RECORDS (in all, over the three gateways); 6,000 by default so that CI stays
// quick on two shared cores; the issue's 50,000 runs with GATEHOUSE_FLEET_RECORDS=50000 (docs/fleet.md).
#include <algorithm>
#include <cstdlib>

#include <catch2/catch.hpp>

#include "eventually.hpp"
#include "fleet_gateway.hpp"
#include "mosquitto_broker.hpp"
#include "nats_cluster.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::test;
using namespace std::chrono_literals;

namespace {

std::int64_t total_records() {
    const char* text = std::getenv("GATEHOUSE_FLEET_RECORDS");
    if (!text || !*text) return 6000;
    const long long n = std::atoll(text);
    return n >= 3 ? n : 6000;
}

/// The drain is paced (max_drain_rate) to take about 20 s per gateway, so that the kill lands mid-drain on any
/// machine, a sanitizer build sharing two cores included; at least 100 records a second.
std::int64_t drain_rate(std::int64_t records) { return std::max<std::int64_t>(100, records / 20); }

/// Starts the three gateways, the first (A, whose node the tests take away) last: its drain then cannot run out
/// while the others' ledgers are written and their daemons start.
std::vector<std::unique_ptr<GatewayFixture>> start_three(const std::vector<std::string>& ids,
                                                         const std::vector<std::vector<std::string>>& brokers,
                                                         const std::vector<std::int64_t>& counts) {
    std::vector<std::unique_ptr<GatewayFixture>> gateways(3);
    for (std::size_t i : {std::size_t{1}, std::size_t{2}, std::size_t{0}}) {
        gateways[i] = start_fleet_gateway(ids[i], brokers[i], counts[i], drain_rate(counts[i]));
    }
    return gateways;
}

/// `total` split over `parts` gateways.
std::vector<std::int64_t> split(std::int64_t total, std::size_t parts) {
    std::vector<std::int64_t> out(parts, total / static_cast<std::int64_t>(parts));
    for (std::int64_t i = 0; i < total % static_cast<std::int64_t>(parts); ++i) ++out[static_cast<std::size_t>(i)];
    return out;
}

std::int64_t delivered(GatewayFixture& gw) { return fleet_sink(gw)["delivered"].get<std::int64_t>(); }

/// Waits until every gateway's outbox is empty for its sink and the subscriber has every key; checks both.
void check_drained(std::vector<std::unique_ptr<GatewayFixture>>& gateways, const std::vector<std::string>& ids,
                   const std::vector<std::int64_t>& counts, MqttSubscriber& subscriber, KeyTally& tally) {
    std::int64_t expected = 0;
    for (auto n : counts) expected += n;
    const bool all_arrived = eventually(
        [&] {
            tally.update(subscriber);
            if (tally.unique_total() < static_cast<std::size_t>(expected)) return false;
            for (auto& gw : gateways) {
                if (fleet_sink(*gw)["unconfirmed"].get<std::int64_t>() != 0) return false;
            }
            return true;
        },
        300s, 250ms);
    tally.update(subscriber);
    INFO("received " << tally.messages() << " record messages, " << tally.unique_total() << " distinct keys of "
                     << expected);
    CHECK(all_arrived);
    for (std::size_t i = 0; i < gateways.size(); ++i) {
        const auto sink = fleet_sink(*gateways[i]);
        INFO("gateway " << ids[i] << ": " << sink.dump());
        CHECK(sink["unconfirmed"] == 0);
        CHECK(sink["dead_letters"] == 0);
        // Exactly once after dropping duplicates: one key per record, each of the keys the outbox gave out.
        REQUIRE(tally.unique(ids[i]) == static_cast<std::size_t>(counts[i]));
        const auto& keys = tally.keys(ids[i]);
        for (std::int64_t seq = 1; seq <= counts[i]; ++seq) {
            if (!keys.count(ids[i] + ":routine:" + std::to_string(seq))) FAIL("missing " << ids[i] << ":routine:" << seq);
        }
    }
    CHECK(tally.messages() >= tally.unique_total());  // at least once; the surplus are duplicates under one key
}

}  // namespace

TEST_CASE("three gateways drain into a NATS cluster while the node of one is killed and restarted",
          "[fleet][nats][failover]") {
    TempDir tmp;
    NatsCluster cluster(tmp / "nats");
    const auto nodes = cluster.mqtt_endpoints();
    // The platform's subscriber is on node 3, which stays up; gateway A starts on node 1, which is killed.
    MqttSubscriber subscriber(cluster.mqtt_port(2), "gatehouse/#", "platform", /*clean_session=*/false);

    const std::vector<std::string> ids{"gw-a", "gw-b", "gw-c"};
    const auto counts = split(total_records(), 3);
    auto gateways = start_three(ids, {{nodes[0], nodes[1], nodes[2]}, {nodes[1], nodes[2], nodes[0]}, {nodes[2], nodes[0], nodes[1]}},
                                counts);
    GatewayFixture& a = *gateways[0];

    // Mid-drain: a quarter of A's records confirmed, on node 1.
    REQUIRE(eventually([&] { return delivered(a) >= counts[0] / 4; }, 120s, 20ms));
    CHECK(fleet_sink(a)["endpoint"] == nodes[0]);
    CHECK(cluster.node_serving_mqtt_client(fleet_client_id(ids[0])) == std::size_t{0});
    const std::int64_t before_kill = delivered(a);
    INFO("gateway A had delivered " << before_kill << " of " << counts[0] << " when node 1 was killed");
    REQUIRE(before_kill < counts[0]);  // else the count is too small to test a failover mid-drain
    cluster.kill(0, /*wait_for_survivors=*/false);

    // A goes on through another node with the same persistent session, and keeps delivering.
    REQUIRE(eventually([&] { return fleet_sink(a)["endpoint"] != nodes[0] && delivered(a) > before_kill; }, 60s, 50ms));
    const auto now_on = cluster.node_serving_mqtt_client(fleet_client_id(ids[0]));
    CHECK((now_on == std::size_t{1} || now_on == std::size_t{2}));
    // `gatehouse status` names the node.
    const auto status = run_command(bin("gatehouse"), {"status", "--control", a.control_endpoint()}, a.dir().path());
    CHECK(status.exit_code == 0);
    CHECK(status.out.find(fleet_sink(a)["endpoint"].get<std::string>()) != std::string::npos);

    cluster.restart(0);
    KeyTally tally;
    check_drained(gateways, ids, counts, subscriber, tally);
}

TEST_CASE("three gateways drain into mosquitto while it is restarted", "[fleet][mosquitto][failover]") {
    TempDir tmp;
    MosquittoBroker broker(tmp / "mosquitto");
    MqttSubscriber subscriber(broker.port(), "gatehouse/#", "platform", /*clean_session=*/false);
    const std::string node = "127.0.0.1:" + std::to_string(broker.port());

    const std::vector<std::string> ids{"gw-a", "gw-b", "gw-c"};
    const auto counts = split(total_records(), 3);
    auto gateways = start_three(ids, {{node}, {node}, {node}}, counts);
    GatewayFixture& a = *gateways[0];

    REQUIRE(eventually([&] { return delivered(a) >= counts[0] / 4; }, 120s, 20ms));
    const std::int64_t before_restart = delivered(a);
    REQUIRE(before_restart < counts[0]);
    CHECK(fleet_sink(a)["endpoint"] == node);
    broker.stop();  // mosquitto saves the sessions (the gateways' and the platform's) and their queued messages
    broker.start();
    REQUIRE(eventually([&] { return delivered(a) > before_restart; }, 60s, 50ms));
    KeyTally tally;
    check_drained(gateways, ids, counts, subscriber, tally);
}
