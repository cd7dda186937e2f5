#pragma once
// Private to the adapters: calls gatehouse makes to a Hikvision device's own ISAPI server (the remote-check answer,
// the event-log search), over libcurl, with digest authentication when the device has credentials configured.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace gatehouse::daemon::adapters {

/// A device account for digest authentication (from the device's credentials file).
struct DeviceCredentials {
    std::string user;
    std::string password;
};

/// What one call returned. `received` false: no HTTP response at all (`error` says why).
struct IsapiResponse {
    bool received = false;
    long status = 0;
    std::string body;  ///< At most the first 4 MiB.
    std::string error;
};

/// One blocking call per instance use; not shared between threads.
class IsapiClient {
public:
    IsapiClient();
    ~IsapiClient();
    IsapiClient(const IsapiClient&) = delete;
    IsapiClient& operator=(const IsapiClient&) = delete;

    /// `method` PUT or POST with a JSON body to `url`; the whole call (connect included) ends by `timeout`.
    IsapiResponse send(const std::string& method, const std::string& url, const std::string& json_body,
                       const std::optional<DeviceCredentials>& credentials, std::chrono::milliseconds timeout);

private:
    struct CurlHandleDeleter {
        void operator()(void* handle) const;
    };
    std::unique_ptr<void, CurlHandleDeleter> handle_;
};

}  // namespace gatehouse::daemon::adapters
