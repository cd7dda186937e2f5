#pragma once
// Containment: a failure while handling one message ends that message only, never the daemon.
#include <cstdint>
#include <exception>
#include <map>
#include <string>

#include "gatehouse/daemon/rate_limited_log.hpp"

namespace gatehouse::daemon {

/// The boundary every inbound message (terminal frame, control request, console subscription, metrics scrape) and
/// every step after a commit is handled inside. An exception that escapes the handler is caught here: it is counted
/// per socket, logged (at most once per 5 s per socket, with how many were suppressed), and `on_failure` is given
/// its reason so the sender still gets an answer (`internal`). What was done before the failure stays done: an ack
/// already sent is never taken back. The reactor goes on with the next message.
/// Thread-safety: none; one per thread (the reactor's; the metrics server keeps its own).
class MessageBoundary {
public:
    /// Runs `handle()`; on an exception, contains it and calls `on_failure(reason)` (itself contained). Returns false
    /// when `handle` failed.
    template <typename Handle, typename OnFailure>
    bool run(const char* socket, Handle&& handle, OnFailure&& on_failure) noexcept {
        std::string reason;
        try {
            handle();
            return true;
        } catch (const std::exception& e) {
            reason = describe(e);
        } catch (...) {
            reason = "unknown exception";
        }
        contained(socket, reason);
        try {
            on_failure(reason);
        } catch (...) {
            contained(socket, "the error reply could not be sent either");
        }
        return false;
    }
    template <typename Handle>
    bool run(const char* socket, Handle&& handle) noexcept {
        return run(socket, std::forward<Handle>(handle), [](const std::string&) {});
    }

    /// Failures contained so far, by socket (or post-commit step).
    const std::map<std::string, std::uint64_t>& failures() const { return failures_; }

private:
    static std::string describe(const std::exception& e) noexcept;
    void contained(const char* socket, const std::string& reason) noexcept;

    std::map<std::string, std::uint64_t> failures_;
    RateLimitedLog log_;
};

}  // namespace gatehouse::daemon
