#include "gatehouse/daemon/forwarding/webhook_sink.hpp"

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "forwarding/http_client.hpp"
#include "forwarding/http_status.hpp"
#include "gatehouse/daemon/forwarding/record_envelope.hpp"

namespace gatehouse::daemon::forwarding {

WebhookSink::WebhookSink(const SinkConfig& config, SinkIdentity identity)
    : name_(config.name), lanes_(config.lanes), max_batch_(config.max_batch), options_(config.webhook),
      identity_(std::move(identity)) {
    if (config.type != SinkType::webhook) throw std::invalid_argument("WebhookSink needs a webhook sink configuration");
    http_ = std::make_unique<HttpClient>(options_.timeouts);
}

WebhookSink::~WebhookSink() = default;

bool WebhookSink::accepts(storage::OutboxLane lane) const {
    return std::find(lanes_.begin(), lanes_.end(), lane) != lanes_.end();
}

DeliveryStatus WebhookSink::post(const std::vector<std::string>& envelopes, DeliveryReport& report) {
    // Envelopes are spliced in as already-serialised JSON: no second parse of every record.
    std::string body = R"({"gateway":)" + nlohmann::json(identity_.gateway_id).dump() +
                       R"(,"site":)" + nlohmann::json(identity_.site).dump() + R"(,"records":[)";
    for (std::size_t i = 0; i < envelopes.size(); ++i) {
        if (i) body += ',';
        body += envelopes[i];
    }
    body += "]}";
    const HttpResponse response = http_->post_json(options_.url, body, options_.headers);
    const DeliveryStatus status = classify_http(response);
    if (status != DeliveryStatus::delivered) {
        report.detail = "webhook " + describe_http(response);
        if (response.retry_after) report.retry_after = *response.retry_after;
    }
    return status;
}

DeliveryReport WebhookSink::deliver(std::span<const storage::OutboxRecord> records) {
    DeliveryReport report;
    report.statuses.assign(records.size(), DeliveryStatus::retry_later);
    std::vector<std::string> envelopes;
    std::vector<std::size_t> positions;
    std::string poisoned;
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (!accepts(records[i].lane)) throw std::logic_error("sink " + name_ + " was given a record of a lane it does not take");
        if (auto envelope = record_envelope(records[i])) {
            envelopes.push_back(std::move(*envelope));
            positions.push_back(i);
        } else {
            report.statuses[i] = DeliveryStatus::rejected;
            poisoned += (poisoned.empty() ? "" : ", ") + records[i].key;
        }
    }
    if (!envelopes.empty()) {
        const DeliveryStatus batch_status = post(envelopes, report);
        if (batch_status != DeliveryStatus::rejected || envelopes.size() == 1) {
            for (const std::size_t p : positions) report.statuses[p] = batch_status;
        } else {
            // The receiver refused the batch: find the record(s) it objects to instead of condemning them all.
            std::string refusal;
            std::string retry;
            for (std::size_t m = 0; m < envelopes.size(); ++m) {
                DeliveryReport single;
                const DeliveryStatus status = post({envelopes[m]}, single);
                report.statuses[positions[m]] = status;
                if (status == DeliveryStatus::rejected && refusal.empty()) {
                    refusal = "refused " + records[positions[m]].key + ": " + single.detail;
                }
                if (status == DeliveryStatus::retry_later) {
                    retry = single.detail;
                    report.retry_after = single.retry_after;
                    break;  // the receiver is struggling now: the rest waits for the next attempt
                }
            }
            report.detail = refusal + (refusal.empty() || retry.empty() ? "" : "; ") + retry;
        }
    }
    if (!poisoned.empty()) {
        report.detail += (report.detail.empty() ? "" : "; ") + std::string("body is not a JSON object: ") + poisoned;
    }
    return report;
}

}  // namespace gatehouse::daemon::forwarding
