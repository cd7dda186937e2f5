#include "gatehouse/daemon/ledger_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace gatehouse::daemon {
namespace {

std::optional<pid_t> read_pid(int fd) {
    char text[32] = {};
    const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
    if (n <= 0) return std::nullopt;
    try {
        const long pid = std::stol(std::string(text, static_cast<std::size_t>(n)));
        if (pid > 0) return static_cast<pid_t>(pid);
    } catch (const std::exception&) {
        // A file written by something else: the message then names no pid.
    }
    return std::nullopt;
}

}  // namespace

std::filesystem::path LedgerLock::file_for(const std::filesystem::path& ledger_path) {
    return ledger_path.string() + ".lock";
}

LedgerLock::LedgerLock(const std::filesystem::path& ledger_path) {
    const auto file = file_for(ledger_path);
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
        throw std::runtime_error("cannot open the ledger's lock file " + file.string() + ": " + std::strerror(errno));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        const auto holder = read_pid(fd_);
        ::close(fd_);
        fd_ = -1;
        if (error != EWOULDBLOCK) {
            throw std::runtime_error("cannot lock " + file.string() + ": " + std::strerror(error));
        }
        throw LedgerInUse("the ledger " + ledger_path.string() + " is in use by another gatehoused" +
                              (holder ? " (pid " + std::to_string(*holder) + ")" : std::string()) +
                              ", which holds " + file.string() +
                              ": one ledger, one daemon. Stop that one first, or give this one another [ledger] path",
                          holder);
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    // Only for the message above: a failure to write it does not weaken the lock.
    if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, pid.data(), pid.size(), 0);
}

LedgerLock::~LedgerLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace gatehouse::daemon
