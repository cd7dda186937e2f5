#include "gatehouse/daemon/forwarding/sink_factory.hpp"

#include "gatehouse/daemon/forwarding/chat_robot_sink.hpp"
#include "gatehouse/daemon/forwarding/mqtt_sink.hpp"
#include "gatehouse/daemon/forwarding/webhook_sink.hpp"

namespace gatehouse::daemon::forwarding {

std::unique_ptr<UpstreamSink> make_sink(const SinkConfig& config, const SinkIdentity& identity) {
    switch (config.type) {
        case SinkType::mqtt: return std::make_unique<MqttSink>(config, identity);
        case SinkType::webhook: return std::make_unique<WebhookSink>(config, identity);
        case SinkType::dingtalk:
        case SinkType::wecom:
        case SinkType::feishu: return std::make_unique<ChatRobotSink>(config, identity);
    }
    throw std::invalid_argument("unknown sink type");
}

}  // namespace gatehouse::daemon::forwarding
