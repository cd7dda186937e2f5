#pragma once
// The accounts the running web console knows: the users file, read again when it changes on disk, so that
// `gatehouse users add|passwd|remove` take effect without a restart.
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "gatehouse/daemon/web/user_accounts.hpp"

namespace gatehouse::daemon::web {

/// Looks accounts up in the users file. The file is checked for changes (size, time, inode) at most once a second;
/// a changed file that cannot be read or parsed, or that others may read, is refused with a log line and the
/// accounts read before stay.
/// Thread-safety: find() may be called from any thread.
class AccountDirectory {
public:
    /// Reads the file; throws ConfigError when it cannot be read or parsed, or when others may read it.
    explicit AccountDirectory(std::filesystem::path path);

    std::optional<UserAccount> find(const std::string& name);
    std::size_t size();
    const std::filesystem::path& path() const { return path_; }

private:
    struct Stamp {
        std::uintmax_t size = 0;
        std::int64_t mtime_ns = 0;
        std::uint64_t inode = 0;
        bool exists = false;
        bool operator==(const Stamp&) const = default;
    };
    static Stamp stamp_of(const std::filesystem::path& path);
    /// Reads the file; the error text when it is refused.
    std::string reload(const Stamp& stamp);
    void refresh();

    std::filesystem::path path_;
    std::mutex mutex_;
    UsersFile file_;
    Stamp stamp_;
    std::chrono::steady_clock::time_point checked_{};
};

}  // namespace gatehouse::daemon::web
