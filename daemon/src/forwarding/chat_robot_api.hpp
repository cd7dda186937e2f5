#pragma once
// The parts in which DingTalk, WeCom and Feishu robots differ: request signing, message JSON, reply codes.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "gatehouse/daemon/forwarding/alert_message.hpp"
#include "gatehouse/daemon/forwarding/sink_config.hpp"

namespace gatehouse::daemon::forwarding {

/// The POST that sends one message.
struct ChatRequest {
    std::string url;
    std::string body;
};

/// What the robot's JSON reply says.
struct ChatReply {
    enum class Kind { ok, rate_limited, failed } kind = Kind::failed;
    std::string detail;                         ///< "errcode 130101: send too fast" when not ok.
    std::chrono::milliseconds retry_after{0};   ///< How long to keep quiet when rate_limited.
};

/// One robot dialect.
class ChatRobotApi {
public:
    virtual ~ChatRobotApi() = default;
    /// The request for `message`, signed with `now` where the robot signs.
    virtual ChatRequest request(const ChatMessage& message, std::chrono::system_clock::time_point now) const = 0;
    /// Reads the JSON reply of an HTTP 200.
    virtual ChatReply read_reply(const std::string& body) const = 0;
};

/// The dialect of a chat robot sink type (dingtalk, wecom, feishu).
std::unique_ptr<ChatRobotApi> make_chat_robot_api(SinkType type, const ChatRobotSinkOptions& options);

}  // namespace gatehouse::daemon::forwarding
