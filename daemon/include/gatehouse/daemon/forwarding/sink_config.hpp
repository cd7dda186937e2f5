#pragma once
// Configuration of the upstream sinks: one `[[forwarding.sinks]]` table per sink (see docs/forwarding.md).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "gatehouse/daemon/local_time_zone.hpp"
#include "gatehouse/storage/outbox_record.hpp"

namespace gatehouse::daemon::forwarding {

/// Which kind of upstream a sink talks to.
enum class SinkType { mqtt, webhook, dingtalk, wecom, feishu };

/// "mqtt", "webhook", "dingtalk", "wecom", "feishu" (the `type` key).
std::string_view to_string(SinkType type);

/// Whether the sink type is one of the chat robots (alerts only, rate limited, digests).
constexpr bool is_chat_robot(SinkType type) {
    return type == SinkType::dingtalk || type == SinkType::wecom || type == SinkType::feishu;
}

/// Who is sending: goes into MQTT topics, client ids, webhook batches and chat messages.
struct SinkIdentity {
    std::string gateway_id;
    std::string site;
    LocalTimeZone zone = LocalTimeZone::system();  ///< gateway.timezone: the times in chat messages.
};

/// One MQTT broker (a node of a cluster): host name or address, and TCP port.
struct MqttBrokerAddress {
    std::string host;
    int port = 1883;

    /// "host:port" ("[v6]:port" for an IPv6 address), as in the configuration and `gatehouse status`.
    std::string to_string() const;
    bool operator==(const MqttBrokerAddress&) const = default;
};

/// Parses "host", "host:port" or "[v6addr]:port" (port 1..65535, 1883 when left out); nothing when malformed.
std::optional<MqttBrokerAddress> parse_mqtt_broker_address(std::string_view text);

/// Connection and publishing options of an MQTT broker sink (libmosquitto, MQTT 3.1.1, QoS 1).
struct MqttSinkOptions {
    /// The broker, or a cluster's nodes in the order tried: on losing one, the sink goes on with the next.
    /// From `brokers = ["host:port", ...]`, or from the single `host` / `port` keys.
    std::vector<MqttBrokerAddress> brokers{{"127.0.0.1", 1883}};
    std::string client_id;  ///< Stable id of the persistent session; empty means "<gateway>-<site>".
    std::string username;
    std::string password;   ///< From `password` or `password_file`.
    std::string password_file;  ///< The file `password` was read from (empty when inline or none): its owner matters.
    std::string ca_file;    ///< Set to enable TLS (verifies the broker against this CA).
    std::string cert_file;  ///< Client certificate, with key_file, for certificate authentication.
    std::string key_file;
    std::string topic_prefix = "gatehouse";
    std::chrono::seconds keepalive{30};
    int max_inflight = 100;  ///< Unacknowledged QoS 1 messages on the wire at once.
    std::chrono::milliseconds connect_timeout{2000};
    std::chrono::milliseconds publish_timeout{10000};  ///< How long deliver() waits for the PUBACKs of a batch.
    std::chrono::seconds reconnect_max{30};            ///< Cap of the background reconnect backoff.

    bool operator==(const MqttSinkOptions&) const = default;
};

/// Time limits of one HTTP request (webhook or chat robot).
struct HttpTimeouts {
    std::chrono::milliseconds connect{2000};
    std::chrono::milliseconds total{10000};

    bool operator==(const HttpTimeouts&) const = default;
};

/// An HTTP endpoint that takes JSON batches of records.
struct WebhookSinkOptions {
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;  ///< Extra request headers, e.g. Authorization.
    HttpTimeouts timeouts;

    bool operator==(const WebhookSinkOptions&) const = default;
};

/// An alert severity, in rising order (see alert_severity()).
enum class AlertSeverity { info, warning, critical };

/// "info", "warning", "critical"; nullopt for anything else.
std::optional<AlertSeverity> parse_alert_severity(std::string_view text);

/// Which alerts a chat robot pages for: at least `min_severity`, and of one of `kinds` when that is not empty.
/// Messages of their own (the daily report) always pass.
struct ChatAlertFilter {
    AlertSeverity min_severity = AlertSeverity::warning;  ///< Info-level `denied` does not page by default.
    std::vector<std::string> kinds;                       ///< Empty: every kind.

    /// Whether an alert of `kind` pages.
    bool passes(const std::string& kind) const;

    bool operator==(const ChatAlertFilter&) const = default;
};

/// A chat group robot (DingTalk, WeCom, Feishu) that posts alerts as markdown messages.
struct ChatRobotSinkOptions {
    ChatAlertFilter filter;
    std::string url;     ///< The robot's webhook URL, including its access token.
    std::string secret;  ///< Signing secret (DingTalk "SEC...", Feishu); empty when signing is off. From `secret` or `secret_file`.
    std::string secret_file;  ///< The file `secret` was read from (empty when inline or none): its owner matters.
    int rate_limit_messages = 20;                  ///< Messages per window the robot accepts.
    std::chrono::milliseconds rate_limit_window{60000};
    /// Least time between two messages, so that a burst is merged into one digest; default window / messages.
    std::optional<std::chrono::milliseconds> min_interval;
    int digest_lines = 10;  ///< Alerts listed in full in a digest; the others by id only.
    HttpTimeouts timeouts;

    std::chrono::milliseconds effective_min_interval() const {
        return min_interval.value_or(rate_limit_window / rate_limit_messages);
    }

    bool operator==(const ChatRobotSinkOptions&) const = default;
};

/// One configured sink. Only the options struct matching `type` is meaningful.
struct SinkConfig {
    std::string name;  ///< Unique among the sinks; defaults to the type name.
    SinkType type = SinkType::mqtt;
    std::vector<storage::OutboxLane> lanes;  ///< Lanes it takes: all by default, alert only for chat robots.
    std::size_t max_batch = 100;             ///< Records per deliver() call (chat: alerts merged into one digest).
    MqttSinkOptions mqtt;
    WebhookSinkOptions webhook;
    ChatRobotSinkOptions chat;

    bool operator==(const SinkConfig&) const = default;
};

/// Parses the `[[forwarding.sinks]]` array of tables. `source` names the file (for messages, and the directory
/// that relative `*_file` paths are read from). Throws ConfigError "FILE:LINE:COL: key: what".
std::vector<SinkConfig> read_sink_configs(const toml::array& sinks, const std::string& source);

}  // namespace gatehouse::daemon::forwarding
