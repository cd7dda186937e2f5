#pragma once
// Builds the sink a configuration describes.
#include <memory>

#include "gatehouse/daemon/forwarding/sink_config.hpp"
#include "gatehouse/daemon/forwarding/upstream_sink.hpp"

namespace gatehouse::daemon::forwarding {

/// MqttSink, WebhookSink or ChatRobotSink for `config.type`. Throws std::runtime_error when the sink cannot
/// be set up (e.g. unusable TLS files); an unreachable upstream is not an error here.
std::unique_ptr<UpstreamSink> make_sink(const SinkConfig& config, const SinkIdentity& identity);

}  // namespace gatehouse::daemon::forwarding
