#pragma once
// Records to an MQTT broker (mosquitto, EMQX, VerneMQ, HiveMQ) with QoS 1 over a persistent session.
#include <memory>
#include <string>
#include <vector>

#include "gatehouse/daemon/forwarding/sink_config.hpp"
#include "gatehouse/daemon/forwarding/upstream_sink.hpp"

namespace gatehouse::daemon::forwarding {

/// Publishes each record to `<prefix>/<site>/<gateway>/<lane>/<kind>` with QoS 1 and reports it delivered
/// when its PUBACK arrives. A network thread of its own keeps the connection (keepalive, reconnect with
/// backoff, failing over to the next of several brokers) so that the gateway's retained status stays "online" while the outbox is idle; the broker
/// publishes the retained "offline" last will when the connection dies without a goodbye.
///
/// The forwarder drives it through PipelinedSink: it hands over the next batch while PUBACKs of the
/// previous one are still on the way, so the in-flight window stays full across batches; outcomes come
/// back in the order the records were handed over. deliver() is submit + collect of one batch.
class MqttSink final : public UpstreamSink, public PipelinedSink {
public:
    /// `config.type` must be mqtt. Throws std::runtime_error when the client cannot be set up (TLS files
    /// unusable, out of memory); a broker that is down is not an error here, deliver() reports it.
    MqttSink(const SinkConfig& config, SinkIdentity identity);
    ~MqttSink() override;  ///< Publishes the retained "offline" status and disconnects cleanly.
    MqttSink(const MqttSink&) = delete;
    MqttSink& operator=(const MqttSink&) = delete;

    const std::string& name() const override { return name_; }
    bool accepts(storage::OutboxLane lane) const override;
    std::size_t max_batch() const override { return max_batch_; }
    DeliveryReport deliver(std::span<const storage::OutboxRecord> records) override;
    PipelinedSink* pipelined() override { return this; }
    /// The broker of `brokers` ("host:port") the sink is connected to, or tries next while disconnected.
    std::string endpoint() const override;

    void submit(std::span<const storage::OutboxRecord> records) override;
    DeliveryReport collect(std::size_t count, Clock::time_point deadline) override;
    void abandon() override;

    /// `<prefix>/<site>/<gateway>/<lane>/<kind>` for a record.
    std::string topic_for(const storage::OutboxRecord& record) const;
    /// `<prefix>/<site>/<gateway>/status`: retained "online" while connected, "offline" (last will) after.
    const std::string& status_topic() const { return status_topic_; }

private:
    class Connection;

    std::string name_;
    std::vector<storage::OutboxLane> lanes_;
    std::size_t max_batch_;
    std::string topic_base_;
    std::string status_topic_;
    std::unique_ptr<Connection> connection_;
};

}  // namespace gatehouse::daemon::forwarding
