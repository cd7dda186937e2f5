#include "gatehouse/daemon/forwarding/chat_robot_sink.hpp"

#include <algorithm>
#include <stdexcept>

#include "forwarding/chat_robot_api.hpp"
#include "forwarding/http_client.hpp"
#include "forwarding/http_status.hpp"
#include "gatehouse/daemon/forwarding/alert_message.hpp"

namespace gatehouse::daemon::forwarding {
namespace {

using namespace std::chrono_literals;

std::string ms_text(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

}  // namespace

ChatRobotSink::ChatRobotSink(const SinkConfig& config, SinkIdentity identity)
    : name_(config.name), type_name_(to_string(config.type)), max_batch_(config.max_batch), options_(config.chat),
      identity_(std::move(identity)),
      limiter_(options_.rate_limit_messages, options_.rate_limit_window, options_.effective_min_interval()) {
    if (!is_chat_robot(config.type)) throw std::invalid_argument("ChatRobotSink needs a chat robot sink configuration");
    api_ = make_chat_robot_api(config.type, options_);
    http_ = std::make_unique<HttpClient>(options_.timeouts);
}

ChatRobotSink::~ChatRobotSink() = default;

bool ChatRobotSink::pages(const storage::OutboxRecord& record) const {
    return options_.filter.passes(record.kind) || standalone_message(record).has_value();
}

DeliveryReport ChatRobotSink::deliver(std::span<const storage::OutboxRecord> records) {
    for (const auto& record : records) {
        if (!accepts(record.lane)) throw std::logic_error("chat robot sink " + name_ + " was given a non-alert record");
    }
    // Alerts the sink's filter leaves out (info-level denials by default) are done with at once: confirmed
    // without a message, and without using up the robot's rate limit.
    std::vector<storage::OutboxRecord> paging;
    std::vector<std::size_t> paging_index;
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (!pages(records[i])) continue;
        paging.push_back(records[i]);
        paging_index.push_back(i);
    }
    if (paging.size() == records.size()) return deliver_paging(records);
    DeliveryReport report;
    report.statuses.assign(records.size(), DeliveryStatus::delivered);
    if (paging.empty()) return report;
    DeliveryReport sent = deliver_paging(paging);
    for (std::size_t j = 0; j < paging_index.size(); ++j) report.statuses[paging_index[j]] = sent.statuses[j];
    report.detail = std::move(sent.detail);
    report.retry_after = sent.retry_after;
    return report;
}

DeliveryReport ChatRobotSink::deliver_paging(std::span<const storage::OutboxRecord> records) {
    DeliveryReport report;
    report.statuses.assign(records.size(), DeliveryStatus::retry_later);
    if (records.empty()) return report;
    const auto now = Clock::now();
    if (now < quiet_until_) {
        report.retry_after = std::chrono::ceil<std::chrono::milliseconds>(quiet_until_ - now);
        report.detail = type_name_ + " asked to keep quiet (" + quiet_reason_ + ")";
        return report;
    }
    if (const auto wait = limiter_.wait_time(now); wait > 0ms) {
        // Not an error: the records stay pending and go, with whatever else arrives meanwhile, in one digest.
        report.retry_after = wait;
        report.detail = type_name_ + " rate limit (" + std::to_string(options_.rate_limit_messages) + " per " +
                        ms_text(options_.rate_limit_window) + ", one per " +
                        ms_text(options_.effective_min_interval()) + "): next message in " + ms_text(wait);
        return report;
    }

    // A record that is a message of its own (the daily report) is never merged into a digest: it goes alone, and
    // the alerts before it go first; what is held back waits for the next slot of the rate limit.
    std::size_t sending = records.size();
    std::optional<ChatMessage> standalone;
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (auto m = standalone_message(records[i])) {
            if (i == 0) {
                standalone = std::move(m);
                sending = 1;
            } else {
                sending = i;
            }
            break;
        }
    }
    const auto sent = records.first(sending);
    const ChatMessage message = standalone ? *standalone : format_alert_message(sent, identity_, options_.digest_lines);
    auto hold_back = [&] {
        if (sending == records.size()) return;
        std::fill(report.statuses.begin() + static_cast<std::ptrdiff_t>(sending), report.statuses.end(), DeliveryStatus::retry_later);
        report.retry_after = options_.effective_min_interval();
        report.detail = type_name_ + ": the daily report goes as a message of its own; " +
                        std::to_string(records.size() - sending) + " record(s) follow in the next message";
    };
    const ChatRequest request = api_->request(message, std::chrono::system_clock::now());
    const HttpResponse response = http_->post_json(request.url, request.body);
    // Whatever reached the robot counts against its limit, answered ok or not.
    if (response.received) limiter_.record(now);

    if (!response.received || response.status != 200) {
        const DeliveryStatus status = classify_http(response);
        // A robot's 2xx other than 200 is unexpected: not confirmed, so it is tried again.
        report.statuses.assign(records.size(),
                               status == DeliveryStatus::rejected ? status : DeliveryStatus::retry_later);
        report.detail = type_name_ + " " + describe_http(response);
        if (response.retry_after) {
            report.retry_after = *response.retry_after;
        } else if (response.status == 429) {
            report.retry_after = 1min;
        }
        return report;
    }
    const ChatReply reply = api_->read_reply(response.body);
    switch (reply.kind) {
        case ChatReply::Kind::ok:
            report.statuses.assign(records.size(), DeliveryStatus::delivered);
            hold_back();
            break;
        case ChatReply::Kind::rate_limited:
            quiet_until_ = now + reply.retry_after;
            quiet_reason_ = reply.detail;
            report.retry_after = reply.retry_after;
            report.detail = type_name_ + " rate limited: " + reply.detail;
            break;
        case ChatReply::Kind::failed:
            // Mostly configuration (signature, keyword, IP allow list, token): kept and retried until fixed.
            report.detail = type_name_ + " refused the message: " + reply.detail;
            break;
    }
    return report;
}

}  // namespace gatehouse::daemon::forwarding
