#pragma once
// What an HTTP answer means for delivery, shared by the webhook and chat robot sinks.
#include <string>

#include "forwarding/http_client.hpp"
#include "gatehouse/daemon/forwarding/upstream_sink.hpp"

namespace gatehouse::daemon::forwarding {

/// 2xx delivered; no answer, 408, 429, 5xx (and anything unexpected, such as a redirect) retry later;
/// other 4xx rejected: the receiver will never take this request as it is.
inline DeliveryStatus classify_http(const HttpResponse& response) {
    if (!response.received) return DeliveryStatus::retry_later;
    const long s = response.status;
    if (s >= 200 && s < 300) return DeliveryStatus::delivered;
    if (s >= 400 && s < 500 && s != 408 && s != 429) return DeliveryStatus::rejected;
    return DeliveryStatus::retry_later;
}

/// "HTTP 503: <first 512 bytes of the body>" or "no response: <libcurl error>".
inline std::string describe_http(const HttpResponse& response) {
    if (!response.received) return "no response: " + response.error;
    return "HTTP " + std::to_string(response.status) + ": " + response.body.substr(0, 512);
}

}  // namespace gatehouse::daemon::forwarding
