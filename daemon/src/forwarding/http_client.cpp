#include "forwarding/http_client.hpp"

#include <cctype>
#include <charconv>
#include <stdexcept>

#include <curl/curl.h>

#include "http/curl_library.hpp"

namespace gatehouse::daemon::forwarding {
namespace {

constexpr std::size_t kMaxBodyBytes = 64 * 1024;

struct HeaderListDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, HeaderListDeleter>;

void append_header(HeaderList& list, const std::string& line) {
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (!grown) throw std::bad_alloc();
    (void)list.release();  // curl_slist_append returns the same head; keep ownership in one place
    list.reset(grown);
}

size_t collect_body(char* data, size_t size, size_t count, void* user) {
    auto& body = *static_cast<std::string*>(user);
    const size_t bytes = size * count;
    if (body.size() < kMaxBodyBytes) body.append(data, std::min(bytes, kMaxBodyBytes - body.size()));
    return bytes;
}

size_t collect_retry_after(char* data, size_t size, size_t count, void* user) {
    const size_t bytes = size * count;
    static constexpr std::string_view kName = "retry-after:";
    std::string_view line(data, bytes);
    if (line.size() > kName.size()) {
        bool match = true;
        for (size_t i = 0; i < kName.size(); ++i) {
            match = match && std::tolower(static_cast<unsigned char>(line[i])) == kName[i];
        }
        if (match) {
            line.remove_prefix(kName.size());
            while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
            long long seconds = 0;
            // Only the delay-seconds form is honoured; an HTTP-date falls back to the caller's backoff.
            const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), seconds);
            if (ec == std::errc() && end != line.data() && seconds >= 0) {
                *static_cast<std::optional<std::chrono::seconds>*>(user) = std::chrono::seconds(seconds);
            }
        }
    }
    return bytes;
}

}  // namespace

void HttpClient::CurlHandleDeleter::operator()(void* handle) const { curl_easy_cleanup(static_cast<CURL*>(handle)); }

HttpClient::HttpClient(HttpTimeouts timeouts) : timeouts_(timeouts) {
    http::ensure_curl_initialised();
    handle_.reset(curl_easy_init());
    if (!handle_) throw std::runtime_error("curl_easy_init failed");
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::post_json(const std::string& url, const std::string& body,
                                   const std::vector<std::pair<std::string, std::string>>& headers) {
    CURL* curl = static_cast<CURL*>(handle_.get());
    curl_easy_reset(curl);  // keeps the connection cache, forgets the previous request's options
    HeaderList header_list;
    append_header(header_list, "Content-Type: application/json; charset=utf-8");
    append_header(header_list, "Expect:");  // no 100-continue round trip before the body
    for (const auto& [name, value] : headers) append_header(header_list, name + ": " + value);

    HttpResponse response;
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // the forwarder runs on its own thread: no SIGALRM
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts_.connect.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeouts_.total.count()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.get());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_retry_after);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.retry_after);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);

    const CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    response.received = rc == CURLE_OK && response.status != 0;
    if (!response.received) response.error = error[0] ? error : curl_easy_strerror(rc);
    // The options point at locals (headers, buffers); drop them before they go out of scope.
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    return response;
}

}  // namespace gatehouse::daemon::forwarding
