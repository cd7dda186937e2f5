#include "forwarding/chat_robot_api.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "gatehouse/daemon/forwarding/robot_signing.hpp"

namespace gatehouse::daemon::forwarding {
namespace {

using namespace std::chrono_literals;

std::int64_t epoch(std::chrono::system_clock::time_point now, auto unit) {
    return std::chrono::duration_cast<decltype(unit)>(now.time_since_epoch()).count();
}

/// Reads `{"<code_key>": 0, "<message_key>": "..."}`; a code in `rate_limit_codes` means "keep quiet".
ChatReply read_coded_reply(const std::string& body, const char* code_key, const char* message_key,
                           std::initializer_list<std::int64_t> rate_limit_codes, std::chrono::milliseconds quiet) {
    const nlohmann::json reply = nlohmann::json::parse(body, nullptr, false);
    ChatReply result;
    const auto code = reply.is_object() ? reply.find(code_key) : reply.end();
    if (!reply.is_object() || code == reply.end() || !code->is_number_integer()) {
        result.detail = "unexpected reply: " + body.substr(0, 512);
        return result;
    }
    const std::int64_t value = code->get<std::int64_t>();
    if (value == 0) {
        result.kind = ChatReply::Kind::ok;
        return result;
    }
    const auto message = reply.find(message_key);
    result.detail = std::string(code_key) + " " + std::to_string(value) + ": " +
                    (message != reply.end() && message->is_string() ? message->get<std::string>() : "");
    for (const std::int64_t limited : rate_limit_codes) {
        if (value == limited) {
            result.kind = ChatReply::Kind::rate_limited;
            result.retry_after = quiet;
        }
    }
    return result;
}

/// DingTalk custom robot: markdown message; optional "加签" signature in the URL.
class DingTalkApi final : public ChatRobotApi {
public:
    explicit DingTalkApi(const ChatRobotSinkOptions& options) : url_(options.url), secret_(options.secret) {}

    ChatRequest request(const ChatMessage& message, std::chrono::system_clock::time_point now) const override {
        ChatRequest r{url_, {}};
        if (!secret_.empty()) {
            const std::int64_t ms = epoch(now, std::chrono::milliseconds{});
            r.url += (r.url.find('?') == std::string::npos ? "?" : "&");
            r.url += "timestamp=" + std::to_string(ms) + "&sign=" + url_encode(dingtalk_signature(secret_, ms));
        }
        r.body = nlohmann::json{{"msgtype", "markdown"},
                                {"markdown", {{"title", message.title}, {"text", message.markdown}}}}
                     .dump();
        return r;
    }
    ChatReply read_reply(const std::string& body) const override {
        // 130101: more than 20 messages a minute, after which DingTalk refuses the robot for 10 minutes;
        // 90030: the robot's call quota is used up. Either way, sending again soon only prolongs it.
        return read_coded_reply(body, "errcode", "errmsg", {130101, 90030}, 10min);
    }

private:
    std::string url_;
    std::string secret_;
};

/// WeCom (企业微信) group robot: markdown message; authenticated by the key in its URL only.
class WeComApi final : public ChatRobotApi {
public:
    explicit WeComApi(const ChatRobotSinkOptions& options) : url_(options.url) {}

    ChatRequest request(const ChatMessage& message, std::chrono::system_clock::time_point) const override {
        return {url_, nlohmann::json{{"msgtype", "markdown"}, {"markdown", {{"content", message.markdown}}}}.dump()};
    }
    ChatReply read_reply(const std::string& body) const override {
        // 45009: API call frequency out of limit (20 messages a minute per robot).
        return read_coded_reply(body, "errcode", "errmsg", {45009}, 1min);
    }

private:
    std::string url_;
};

/// Feishu (Lark) custom bot: an interactive card with a markdown element; optional signature in the body.
class FeishuApi final : public ChatRobotApi {
public:
    explicit FeishuApi(const ChatRobotSinkOptions& options) : url_(options.url), secret_(options.secret) {}

    ChatRequest request(const ChatMessage& message, std::chrono::system_clock::time_point now) const override {
        nlohmann::json body{
            {"msg_type", "interactive"},
            {"card",
             {{"header", {{"title", {{"tag", "plain_text"}, {"content", message.title}}}}},
              {"elements", nlohmann::json::array({{{"tag", "markdown"}, {"content", message.markdown}}})}}}};
        if (!secret_.empty()) {
            const std::int64_t seconds = epoch(now, std::chrono::seconds{});
            body["timestamp"] = std::to_string(seconds);
            body["sign"] = feishu_signature(secret_, seconds);
        }
        return {url_, body.dump()};
    }
    ChatReply read_reply(const std::string& body) const override {
        // 11232 and 9499: frequency limited. Older bot versions answer {"StatusCode": 0} instead of "code".
        const nlohmann::json reply = nlohmann::json::parse(body, nullptr, false);
        if (reply.is_object() && !reply.contains("code") && reply.contains("StatusCode")) {
            return read_coded_reply(body, "StatusCode", "StatusMessage", {11232, 9499}, 1min);
        }
        return read_coded_reply(body, "code", "msg", {11232, 9499}, 1min);
    }

private:
    std::string url_;
    std::string secret_;
};

}  // namespace

std::unique_ptr<ChatRobotApi> make_chat_robot_api(SinkType type, const ChatRobotSinkOptions& options) {
    switch (type) {
        case SinkType::dingtalk: return std::make_unique<DingTalkApi>(options);
        case SinkType::wecom: return std::make_unique<WeComApi>(options);
        case SinkType::feishu: return std::make_unique<FeishuApi>(options);
        case SinkType::mqtt:
        case SinkType::webhook: break;
    }
    throw std::invalid_argument("not a chat robot sink type: " + std::string(to_string(type)));
}

}  // namespace gatehouse::daemon::forwarding
