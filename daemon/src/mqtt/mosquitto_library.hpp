#pragma once
// libmosquitto's process-wide set-up and its error texts, for every part of the daemon and CLI that speaks MQTT
// (the forwarding sink, the fleet link, the fleet CLI's session).
#include <cerrno>
#include <string>
#include <system_error>

#include <mosquitto.h>

namespace gatehouse::daemon::mqtt {

/// mosquitto_lib_init must run once per process before any client exists and is not thread-safe itself: a
/// function-local static of an inline function gives exactly that (one per program, initialised once and
/// thread-safely, cleaned up at exit) without global mutable state of our own.
inline void ensure_mosquitto_initialised() {
    struct MosquittoLibrary {
        MosquittoLibrary() { mosquitto_lib_init(); }
        ~MosquittoLibrary() { mosquitto_lib_cleanup(); }
    };
    static const MosquittoLibrary library;
}

/// The text of a libmosquitto result code; MOSQ_ERR_ERRNO means the reason is in errno.
inline std::string describe_mosquitto_error(int rc) {
    if (rc == MOSQ_ERR_ERRNO) return std::error_code(errno, std::generic_category()).message();
    return mosquitto_strerror(rc);
}

}  // namespace gatehouse::daemon::mqtt
