#include "gatehouse/daemon/systemd_notifier.hpp"

#include <cstdint>

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

namespace gatehouse::daemon {

SystemdNotifier::SystemdNotifier() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) watchdog_ = std::chrono::microseconds(usec);
}

void SystemdNotifier::send(const std::string& message) {
    const int rc = sd_notify(0, message.c_str());
    if (rc < 0) spdlog::debug("sd_notify failed: {}", rc);
}

void SystemdNotifier::ready(const std::string& status) { send("READY=1\nSTATUS=" + status); }
void SystemdNotifier::status(const std::string& status) { send("STATUS=" + status); }
void SystemdNotifier::reloading() { send("RELOADING=1\nSTATUS=reloading configuration"); }
void SystemdNotifier::stopping() { send("STOPPING=1\nSTATUS=stopping: committing received events"); }

void SystemdNotifier::watchdog_ping(std::chrono::steady_clock::time_point now) {
    if (!watchdog_ || now - last_ping_ < *watchdog_ / 2) return;
    last_ping_ = now;
    send("WATCHDOG=1");
}

}  // namespace gatehouse::daemon
