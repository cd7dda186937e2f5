#pragma once
// Private to the adapters: HTTP digest authentication (RFC 7616, MD5, qop=auth) of the posts a Hikvision device
// makes to its HTTP listening host, when the device has credentials configured.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "adapters/isapi_client.hpp"
#include "gatehouse/daemon/steady_time.hpp"

namespace gatehouse::daemon::adapters {

/// Why an Authorization header was refused (counted per reason).
enum class DigestRefusal { none, missing, malformed, wrong_user, stale_nonce, replayed, wrong_response };
const char* to_string(DigestRefusal r);

/// Issues nonces and checks digest responses. Thread-safety: all members from any thread.
class DigestVerifier {
public:
    explicit DigestVerifier(std::string realm) : realm_(std::move(realm)) {}

    /// A fresh challenge: the value of WWW-Authenticate for a 401.
    std::string challenge(SteadyTime now);
    /// Checks `authorization` (the header's value) for `method` and request target `uri` against `credentials`.
    DigestRefusal verify(std::string_view authorization, const std::string& method, const std::string& uri,
                         const DeviceCredentials& credentials, SteadyTime now);

private:
    struct Nonce {
        SteadyTime issued;
        std::uint64_t last_count = 0;  ///< The highest nc accepted with it: a lower or equal one is a replay.
    };
    std::string realm_;
    std::mutex mutex_;
    std::map<std::string, Nonce> nonces_;
};

}  // namespace gatehouse::daemon::adapters
