#pragma once
// Records to an HTTP endpoint as JSON batches (libcurl).
#include <memory>
#include <string>
#include <vector>

#include "gatehouse/daemon/forwarding/sink_config.hpp"
#include "gatehouse/daemon/forwarding/upstream_sink.hpp"

namespace gatehouse::daemon::forwarding {

class HttpClient;

/// POSTs `{"gateway":..,"site":..,"records":[envelope, ...]}`. 2xx: all delivered. No response, 408, 429 and
/// 5xx: retry later (Retry-After seconds honoured). Any other 4xx: the batch is refused for good; when it
/// held several records they are re-sent one by one so that only the poisoned ones are rejected.
class WebhookSink final : public UpstreamSink {
public:
    /// `config.type` must be webhook.
    WebhookSink(const SinkConfig& config, SinkIdentity identity);
    ~WebhookSink() override;
    WebhookSink(const WebhookSink&) = delete;
    WebhookSink& operator=(const WebhookSink&) = delete;

    const std::string& name() const override { return name_; }
    bool accepts(storage::OutboxLane lane) const override;
    std::size_t max_batch() const override { return max_batch_; }
    DeliveryReport deliver(std::span<const storage::OutboxRecord> records) override;

private:
    /// One POST of the given records (already valid envelopes): one status for all of them.
    DeliveryStatus post(const std::vector<std::string>& envelopes, DeliveryReport& report);

    std::string name_;
    std::vector<storage::OutboxLane> lanes_;
    std::size_t max_batch_;
    WebhookSinkOptions options_;
    SinkIdentity identity_;
    std::unique_ptr<HttpClient> http_;
};

}  // namespace gatehouse::daemon::forwarding
