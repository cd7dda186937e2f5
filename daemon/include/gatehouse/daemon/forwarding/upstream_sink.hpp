#pragma once
// One upstream destination (MQTT broker, HTTP webhook, chat robot) behind one interface, so the forwarder
// drives every sink the same way and a record can go to several.
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gatehouse/storage/outbox_record.hpp"

namespace gatehouse::daemon::forwarding {

/// What became of one record handed to a sink.
enum class DeliveryStatus {
    delivered,    ///< The upstream confirmed it (PUBACK, 2xx, chat API ok): it may leave the outbox.
    retry_later,  ///< Not confirmed (unreachable, 5xx, 429, timeout): try again after a backoff.
    rejected,     ///< The upstream refused this record for good (4xx other than 408/429): dead letter.
};

/// Outcome of one deliver() call: a status per record, in order, and what the upstream said.
struct DeliveryReport {
    std::vector<DeliveryStatus> statuses;
    std::string detail;  ///< Human-readable reason when not everything was delivered (HTTP status and body, mosquitto error).
    std::optional<std::chrono::milliseconds> retry_after;  ///< The upstream asked to wait (Retry-After, chat ban).
};

/// An upstream destination. Implementations are used from the forwarder's thread only.
class UpstreamSink {
public:
    virtual ~UpstreamSink() = default;
    /// Configured name, unique per gateway ("mqtt", "webhook-security", "dingtalk-duty", ...).
    virtual const std::string& name() const = 0;
    /// Whether this sink takes records of `lane` at all (chat robots take alerts only).
    virtual bool accepts(storage::OutboxLane lane) const = 0;
    /// Most records one deliver() call should be given.
    virtual std::size_t max_batch() const = 0;
    /// Sends `records` (all of lanes it accepts, oldest first) and blocks until each is confirmed, refused or
    /// timed out; never throws for upstream failures (they are statuses), only for programming errors.
    virtual DeliveryReport deliver(std::span<const storage::OutboxRecord> records) = 0;
};

}  // namespace gatehouse::daemon::forwarding
