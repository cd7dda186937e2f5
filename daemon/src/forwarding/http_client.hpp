#pragma once
// A blocking HTTP POST client over one reused libcurl handle (keeps the connection to the upstream alive).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gatehouse/daemon/forwarding/sink_config.hpp"

namespace gatehouse::daemon::forwarding {

/// What came back from one request. `received` is false when no HTTP response arrived at all.
struct HttpResponse {
    bool received = false;
    long status = 0;
    std::string body;                             ///< The first 64 KiB of the response body.
    std::optional<std::chrono::seconds> retry_after;  ///< A Retry-After header given in seconds.
    std::string error;                            ///< libcurl's reason when nothing was received.
};

/// Posts JSON documents with the configured timeouts. One instance per sink, used from one thread.
class HttpClient {
public:
    explicit HttpClient(HttpTimeouts timeouts);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    HttpResponse post_json(const std::string& url, const std::string& body,
                           const std::vector<std::pair<std::string, std::string>>& headers = {});

private:
    struct CurlHandleDeleter {
        void operator()(void* handle) const;
    };
    HttpTimeouts timeouts_;
    std::unique_ptr<void, CurlHandleDeleter> handle_;
};

}  // namespace gatehouse::daemon::forwarding
