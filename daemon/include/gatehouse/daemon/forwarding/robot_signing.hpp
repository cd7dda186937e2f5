#pragma once
// Request signatures of the chat robots that support them (DingTalk "加签", Feishu "签名校验").
#include <cstdint>
#include <string>
#include <string_view>

namespace gatehouse::daemon::forwarding {

/// DingTalk custom robot: base64(HMAC-SHA256(key = secret, message = "<timestamp_ms>\n<secret>")), not yet
/// URL-encoded. The URL carries `&timestamp=<timestamp_ms>&sign=<url_encode(signature)>`.
std::string dingtalk_signature(std::string_view secret, std::int64_t timestamp_ms);

/// Feishu bot: base64(HMAC-SHA256(key = "<timestamp_s>\n<secret>", message = empty)); the JSON body carries
/// "timestamp" (seconds, as a string) and "sign".
std::string feishu_signature(std::string_view secret, std::int64_t timestamp_s);

/// Percent-encodes everything except RFC 3986 unreserved characters (so '+', '/', '=' are encoded).
std::string url_encode(std::string_view text);

}  // namespace gatehouse::daemon::forwarding
