// The test harness itself: a three-node NATS cluster (JetStream + MQTT) that forms, carries a QoS 1 message from
// one node to a persistent-session subscriber on another, and survives the SIGKILL and restart of one node.
#include <catch2/catch.hpp>

#include "eventually.hpp"
#include "mosquitto_broker.hpp"
#include "nats_cluster.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::test;

namespace {

/// Publishes one QoS 1 message to 127.0.0.1:port and waits for its PUBACK. After a node's death the survivors may
/// drop a CONNECT while JetStream elects new leaders (seconds), so the whole exchange is tried again until 30 s.
bool publish_qos1(int port, const std::string& topic, const std::string& payload) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool acknowledged = false;
    while (!acknowledged && std::chrono::steady_clock::now() < deadline) {
        mosquitto* client = mosquitto_new("harness-publisher", true, &acknowledged);
        if (!client) return false;
        mosquitto_publish_callback_set(client, [](mosquitto*, void* flag, int) { *static_cast<bool*>(flag) = true; });
        if (mosquitto_connect(client, "127.0.0.1", port, 30) == MOSQ_ERR_SUCCESS &&
            mosquitto_publish(client, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 1, false) ==
                MOSQ_ERR_SUCCESS) {
            const auto attempt_end = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(6));
            while (!acknowledged && std::chrono::steady_clock::now() < attempt_end) {
                if (mosquitto_loop(client, 100, 1) != MOSQ_ERR_SUCCESS) break;  // connection dropped: try anew
            }
            mosquitto_disconnect(client);
        }
        mosquitto_destroy(client);
    }
    return acknowledged;
}

}  // namespace

TEST_CASE("a three-node NATS cluster forms with JetStream and MQTT on every node", "[fleet][nats]") {
    TempDir tmp;
    NatsCluster cluster(tmp / "nats");
    REQUIRE(cluster.size() == 3);
    const auto endpoints = cluster.mqtt_endpoints();
    REQUIRE(endpoints.size() == 3);
    for (std::size_t node = 0; node < 3; ++node) {
        CHECK(cluster.running(node));
        CHECK(mqtt_accepts_connect(cluster.mqtt_port(node), "harness-probe-" + std::to_string(node)));
        CHECK(endpoints[node] == "127.0.0.1:" + std::to_string(cluster.mqtt_port(node)));
        CHECK(cluster.node_with_mqtt_port(cluster.mqtt_port(node)) == node);
        const auto varz = cluster.monitor(node, "/varz");
        REQUIRE(varz);
        CHECK((*varz)["server_name"] == NatsCluster::server_name(node));
    }

    SECTION("a QoS 1 message published on one node reaches a persistent subscriber on another") {
        MqttSubscriber subscriber(cluster.mqtt_port(2), "harness/#", "harness-subscriber", /*clean_session=*/false);
        CHECK(cluster.node_serving_mqtt_client("harness-subscriber") == std::size_t{2});
        REQUIRE(publish_qos1(cluster.mqtt_port(0), "harness/hello", "one"));
        CHECK(subscriber.wait_until([](const auto& m) { return m.size() == 1; }, std::chrono::seconds(20)));
        CHECK(subscriber.messages().at(0).payload == "one");
    }

    SECTION("one node killed with SIGKILL: the others go on, the node rejoins on restart") {
        const pid_t before = cluster.pid(1);
        const auto killed_at = std::chrono::steady_clock::now();
        cluster.kill(1);
        INFO("survivors serve MQTT again after "
             << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed_at).count()
             << " ms");
        CHECK_FALSE(cluster.running(1));
        CHECK_FALSE(loopback_port_open(cluster.mqtt_port(1)));
        CHECK(publish_qos1(cluster.mqtt_port(0), "harness/while-down", "two"));
        cluster.restart(1);
        CHECK(cluster.running(1));
        CHECK(cluster.pid(1) != before);
        CHECK(mqtt_accepts_connect(cluster.mqtt_port(1), "harness-probe-restarted"));
        const auto routez = cluster.monitor(1, "/routez");
        REQUIRE(routez);
        CHECK((*routez)["num_routes"] == 2);
    }

    cluster.stop();
    for (std::size_t node = 0; node < 3; ++node) CHECK_FALSE(cluster.running(node));
}
