#pragma once
// Ctrl-C and SIGTERM for long-running CLI commands (screen, tail): they finish cleanly instead of dying mid-line.
#include <csignal>

namespace gatehouse::daemon::cli {

/// Installs SIGINT/SIGTERM handlers for its lifetime and restores the old ones after; the command's loop polls
/// interrupted(). Signal handlers may only set a flag, so the flag is the one piece of process-wide state, and
/// it lives only while a guard does.
class InterruptGuard {
public:
    InterruptGuard() {
        flag() = 0;
        old_int_ = std::signal(SIGINT, on_signal);
        old_term_ = std::signal(SIGTERM, on_signal);
    }
    ~InterruptGuard() {
        std::signal(SIGINT, old_int_);
        std::signal(SIGTERM, old_term_);
    }
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    bool interrupted() const { return flag() != 0; }

private:
    static volatile std::sig_atomic_t& flag() {
        static volatile std::sig_atomic_t value = 0;
        return value;
    }
    static void on_signal(int) { flag() = 1; }

    void (*old_int_)(int) = nullptr;
    void (*old_term_)(int) = nullptr;
};

}  // namespace gatehouse::daemon::cli
