#include "adapters/isapi_client.hpp"

#include <algorithm>
#include <stdexcept>

#include <curl/curl.h>

#include "http/curl_library.hpp"

namespace gatehouse::daemon::adapters {
namespace {

constexpr std::size_t kMaxBodyBytes = 4 * 1024 * 1024;

size_t collect_body(char* data, size_t size, size_t count, void* user) {
    auto& body = *static_cast<std::string*>(user);
    const size_t bytes = size * count;
    if (body.size() < kMaxBodyBytes) body.append(data, std::min(bytes, kMaxBodyBytes - body.size()));
    return bytes;
}

struct HeaderListDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

void IsapiClient::CurlHandleDeleter::operator()(void* handle) const { curl_easy_cleanup(static_cast<CURL*>(handle)); }

IsapiClient::IsapiClient() {
    http::ensure_curl_initialised();
    handle_.reset(curl_easy_init());
    if (!handle_) throw std::runtime_error("curl_easy_init failed");
}

IsapiClient::~IsapiClient() = default;

IsapiResponse IsapiClient::send(const std::string& method, const std::string& url, const std::string& json_body,
                                const std::optional<DeviceCredentials>& credentials, std::chrono::milliseconds timeout) {
    CURL* curl = static_cast<CURL*>(handle_.get());
    curl_easy_reset(curl);
    IsapiResponse response;
    std::unique_ptr<curl_slist, HeaderListDeleter> headers(curl_slist_append(nullptr, "Content-Type: application/json"));
    if (!headers) throw std::bad_alloc();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json_body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json_body.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(1, timeout.count())));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    if (credentials) {
        curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_DIGEST);
        curl_easy_setopt(curl, CURLOPT_USERNAME, credentials->user.c_str());
        curl_easy_setopt(curl, CURLOPT_PASSWORD, credentials->password.c_str());
    }
    const CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        response.error = curl_easy_strerror(rc);
        return response;
    }
    response.received = true;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
}

}  // namespace gatehouse::daemon::adapters
