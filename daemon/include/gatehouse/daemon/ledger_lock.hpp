#pragma once
// One ledger, one daemon: an exclusive lock beside the ledger, held for as long as a gateway runs on it.
#include <filesystem>
#include <optional>
#include <stdexcept>

#include <sys/types.h>

namespace gatehouse::daemon {

/// Another process holds the ledger's lock; `holder` is its pid when it wrote one.
class LedgerInUse : public std::runtime_error {
public:
    LedgerInUse(const std::string& message, std::optional<pid_t> holder) : std::runtime_error(message), holder_(holder) {}
    std::optional<pid_t> holder() const { return holder_; }

private:
    std::optional<pid_t> holder_;
};

/// An flock(2) on "LEDGER.lock" in the ledger's directory, taken before the ledger is opened or any socket bound,
/// so that a second gatehoused on the same ledger (whatever its ports) stops before it can take over the control
/// socket. The file holds the owner's pid for the message the second one prints; the kernel drops the lock when
/// the process ends, however it ends, so a stale file never blocks a start.
class LedgerLock {
public:
    /// Throws LedgerInUse when another process holds it, std::runtime_error when the file cannot be opened.
    explicit LedgerLock(const std::filesystem::path& ledger_path);
    ~LedgerLock();
    LedgerLock(const LedgerLock&) = delete;
    LedgerLock& operator=(const LedgerLock&) = delete;

    /// The lock file of the ledger at `ledger_path`.
    static std::filesystem::path file_for(const std::filesystem::path& ledger_path);

private:
    int fd_ = -1;
};

}  // namespace gatehouse::daemon
