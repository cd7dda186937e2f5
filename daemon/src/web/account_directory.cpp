#include "web/account_directory.hpp"

#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include "gatehouse/daemon/gateway_config.hpp"

namespace gatehouse::daemon::web {
namespace {

constexpr auto kCheckInterval = std::chrono::seconds(1);

}  // namespace

AccountDirectory::AccountDirectory(std::filesystem::path path) : path_(std::move(path)) {
    const Stamp stamp = stamp_of(path_);
    if (const std::string error = reload(stamp); !error.empty()) throw ConfigError("web.users_file: " + error);
    checked_ = std::chrono::steady_clock::now();
    if (file_.accounts().empty()) {
        spdlog::warn("web console: no accounts in {}: nobody can log in until one is added with `gatehouse users add "
                     "NAME --role admin`",
                     path_.string());
    }
}

AccountDirectory::Stamp AccountDirectory::stamp_of(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    return {static_cast<std::uintmax_t>(st.st_size), st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec,
            static_cast<std::uint64_t>(st.st_ino), true};
}

std::string AccountDirectory::reload(const Stamp& stamp) {
    if (stamp.exists) {
        struct stat st {};
        if (::stat(path_.c_str(), &st) == 0 && (st.st_mode & 007) != 0) {
            return path_.string() + " holds password hashes and others may read it: chmod o-rwx " + path_.string() +
                   " (0600, or 0640 with group gatehouse)";
        }
    }
    try {
        file_ = UsersFile::load(path_);
        stamp_ = stamp;
        return "";
    } catch (const UsersFileError& e) {
        return e.what();
    }
}

void AccountDirectory::refresh() {
    const auto now = std::chrono::steady_clock::now();
    if (now - checked_ < kCheckInterval) return;
    checked_ = now;
    const Stamp stamp = stamp_of(path_);
    if (stamp == stamp_) return;
    if (const std::string error = reload(stamp); !error.empty()) {
        stamp_ = stamp;  // said once per change, not once a second
        spdlog::error("web console: the changed users file is refused, the accounts read before stay: {}", error);
        return;
    }
    spdlog::info("web console: users file {} re-read: {} accounts", path_.string(), file_.accounts().size());
}

std::optional<UserAccount> AccountDirectory::find(const std::string& name) {
    std::lock_guard lock(mutex_);
    refresh();
    if (const UserAccount* a = file_.find(name)) return *a;
    return std::nullopt;
}

std::size_t AccountDirectory::size() {
    std::lock_guard lock(mutex_);
    refresh();
    return file_.accounts().size();
}

}  // namespace gatehouse::daemon::web
