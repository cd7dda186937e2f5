#pragma once
// libcurl's process-wide set-up, for every part of the daemon that makes HTTP requests (the webhook and chat
// sinks' client, the ISAPI client of the Hikvision adapter).
#include <stdexcept>

#include <curl/curl.h>

namespace gatehouse::daemon::http {

/// curl_global_init must run once per process before any handle exists and is not thread-safe itself: a
/// function-local static of an inline function gives exactly that (one per program, initialised once and
/// thread-safely, cleaned up at exit) without global mutable state of our own.
inline void ensure_curl_initialised() {
    struct CurlGlobal {
        CurlGlobal() {
            if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
        }
        ~CurlGlobal() { curl_global_cleanup(); }
    };
    static const CurlGlobal global;
}

}  // namespace gatehouse::daemon::http
