#pragma once
// sd_notify messages for Type=notify units; silently inactive when not started by systemd.
#include <chrono>
#include <optional>
#include <string>

namespace gatehouse::daemon {

/// Tells the service manager about readiness, status, reloads and liveness (READY=1, STATUS=, RELOADING=1,
/// STOPPING=1, WATCHDOG=1). Every call is a no-op without NOTIFY_SOCKET, so the daemon runs unchanged in
/// the foreground. Thread-safety: none; the reactor thread owns it.
class SystemdNotifier {
public:
    SystemdNotifier();

    void ready(const std::string& status);
    void status(const std::string& status);
    void reloading();
    void stopping();
    /// Sends WATCHDOG=1 if the watchdog is enabled and half its interval has passed since the last ping.
    void watchdog_ping(std::chrono::steady_clock::time_point now);
    /// Watchdog interval from WATCHDOG_USEC, when systemd enabled it for this process.
    std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }

private:
    void send(const std::string& message);

    std::optional<std::chrono::microseconds> watchdog_;
    std::chrono::steady_clock::time_point last_ping_{};
};

}  // namespace gatehouse::daemon
