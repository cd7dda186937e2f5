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

/// The asynchronous side of a sink whose upstream confirms records one by one some time after they were
/// sent (MQTT QoS 1: PUBACKs). The forwarder hands it the next records while earlier ones still wait for
/// their confirmation, so the upstream's in-flight window does not run dry between batches, and takes the
/// outcomes back in the order the records were handed over (so it confirms them in order within a lane).
/// Used from the forwarder's thread only; never mixed with deliver() calls on the same sink.
class PipelinedSink {
public:
    using Clock = std::chrono::steady_clock;

    virtual ~PipelinedSink() = default;
    /// Starts sending `records` (of lanes the sink accepts) after everything handed over before, without
    /// waiting for confirmations. Every record handed over gets an outcome by the sink's own timeouts: no
    /// record stays unsettled for ever.
    virtual void submit(std::span<const storage::OutboxRecord> records) = 0;
    /// Waits until at least `count` of the oldest records handed over are settled (confirmed, refused or
    /// given up), or until `deadline`, then returns the outcomes of the settled records at the front, oldest
    /// first, and forgets them. A record settled behind one still waiting is returned only after that one.
    virtual DeliveryReport collect(std::size_t count, Clock::time_point deadline) = 0;
    /// Forgets every record handed over and not collected (after an error in the caller, so that later
    /// outcomes never get attributed to the wrong records); those records count as not confirmed.
    virtual void abandon() = 0;
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
    /// The asynchronous interface, for sinks that have one (MQTT): the forwarder then uses it instead of
    /// deliver(). Sinks that confirm a whole batch per request (webhook, chat robots) keep the default.
    virtual PipelinedSink* pipelined() { return nullptr; }
    /// Which server of its upstream the sink is on ("host:port" of an MQTT cluster's node); empty when it has a
    /// single fixed one. Safe to call from any thread (`gatehouse status` asks while the sink delivers).
    virtual std::string endpoint() const { return {}; }
};

}  // namespace gatehouse::daemon::forwarding
