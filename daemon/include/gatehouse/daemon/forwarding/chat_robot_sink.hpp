#pragma once
// Alerts to the chat groups of the people on duty: DingTalk, WeCom and Feishu robots.
#include <chrono>
#include <memory>
#include <string>

#include "gatehouse/daemon/forwarding/sink_config.hpp"
#include "gatehouse/daemon/forwarding/sliding_window_limiter.hpp"
#include "gatehouse/daemon/forwarding/upstream_sink.hpp"

namespace gatehouse::daemon::forwarding {

class ChatRobotApi;
class HttpClient;

/// Posts alerts as markdown: one alert as one message; everything given to one deliver() call (a burst that
/// queued up meanwhile) as one digest. Sends at most `rate_limit_messages` per window and no two messages
/// closer than `min_interval` (which is what merges a burst); when it may not send yet it answers
/// retry_later with retry_after = the time until it may. Confirmation is HTTP 200 with the robot's ok code;
/// the robot's rate-limit codes silence the sink for as long as the robot says (DingTalk: 10 minutes).
class ChatRobotSink final : public UpstreamSink {
public:
    /// `config.type` must be dingtalk, wecom or feishu.
    ChatRobotSink(const SinkConfig& config, SinkIdentity identity);
    ~ChatRobotSink() override;
    ChatRobotSink(const ChatRobotSink&) = delete;
    ChatRobotSink& operator=(const ChatRobotSink&) = delete;

    const std::string& name() const override { return name_; }
    bool accepts(storage::OutboxLane lane) const override { return lane == storage::OutboxLane::alert; }
    std::size_t max_batch() const override { return max_batch_; }
    DeliveryReport deliver(std::span<const storage::OutboxRecord> records) override;

private:
    /// Whether `record` makes a message (the filter's alerts, and messages of their own).
    bool pages(const storage::OutboxRecord& record) const;
    /// deliver() of the records that page.
    DeliveryReport deliver_paging(std::span<const storage::OutboxRecord> records);

    using Clock = SlidingWindowLimiter::Clock;

    std::string name_;
    std::string type_name_;
    std::size_t max_batch_;
    ChatRobotSinkOptions options_;
    SinkIdentity identity_;
    SlidingWindowLimiter limiter_;
    Clock::time_point quiet_until_{};  ///< Set when the robot answered with a rate-limit code.
    std::string quiet_reason_;
    std::unique_ptr<ChatRobotApi> api_;
    std::unique_ptr<HttpClient> http_;
};

}  // namespace gatehouse::daemon::forwarding
