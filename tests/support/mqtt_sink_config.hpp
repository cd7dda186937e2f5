#pragma once
// The MQTT sink configuration the forwarding tests start from: a broker on 127.0.0.1, all lanes, short timeouts.
#include <chrono>
#include <string>

#include "gatehouse/daemon/forwarding/sink_config.hpp"

namespace gatehouse::test {

/// An MQTT sink to 127.0.0.1:port taking every lane, with a small window and timeouts short enough for tests.
inline daemon::forwarding::SinkConfig test_mqtt_sink_config(int port, const std::string& client_id,
                                                           const std::string& name = "mqtt-test") {
    using namespace std::chrono_literals;
    daemon::forwarding::SinkConfig c;
    c.name = name;
    c.type = daemon::forwarding::SinkType::mqtt;
    c.lanes = {storage::OutboxLane::alert, storage::OutboxLane::record, storage::OutboxLane::routine};
    c.mqtt.brokers = {{"127.0.0.1", port}};
    c.mqtt.client_id = client_id;
    c.mqtt.max_inflight = 10;
    c.mqtt.connect_timeout = 2000ms;
    c.mqtt.publish_timeout = 5000ms;
    c.mqtt.reconnect_max = 1s;
    return c;
}

}  // namespace gatehouse::test
