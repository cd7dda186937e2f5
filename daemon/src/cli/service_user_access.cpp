#include "service_user_access.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace gatehouse::daemon::cli {
namespace {

std::string owner_text(const struct stat& st) {
    const passwd* pw = ::getpwuid(st.st_uid);
    const group* gr = ::getgrgid(st.st_gid);
    return fmt::format("owner {}:{}, mode {:04o}", pw ? pw->pw_name : std::to_string(st.st_uid),
                       gr ? gr->gr_name : std::to_string(st.st_gid), st.st_mode & 07777);
}

// The permission bits (r=4, w=2, x=1) that apply to `user` on a file with `st`, as the kernel picks them: the
// owner's, else the group's when the user is in the file's group, else the others'.
unsigned granted(const ServiceUser& user, const struct stat& st) {
    if (user.uid == 0) return 07;
    if (st.st_uid == user.uid) return (st.st_mode >> 6) & 07;
    if (std::find(user.groups.begin(), user.groups.end(), st.st_gid) != user.groups.end()) return (st.st_mode >> 3) & 07;
    return st.st_mode & 07;
}

// The first directory from / down to `dir` (included) that `user` cannot search.
std::optional<AccessProblem> check_search_path(const ServiceUser& user, const std::string& key,
                                               const std::filesystem::path& target, const std::filesystem::path& dir) {
    std::filesystem::path walked;
    for (const auto& part : dir) {
        walked /= part;
        struct stat st {};
        if (::stat(walked.c_str(), &st) != 0) break;  // missing: reported by whoever needs it
        if ((granted(user, st) & 01) == 0) {
            return AccessProblem{
                fmt::format("{} {}: {} cannot enter the directory {} ({})", key, target.string(), user.name,
                            walked.string(), owner_text(st)),
                fmt::format("chgrp {} {} && chmod g+x {}", user.name, walked.string(), walked.string())};
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<ServiceUser> ServiceUser::find(const std::string& name) {
    const passwd* pw = ::getpwnam(name.c_str());
    if (!pw) return std::nullopt;
    ServiceUser user{name, pw->pw_uid, {}};
    int count = 32;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    if (::getgrouplist(name.c_str(), pw->pw_gid, groups.data(), &count) < 0) {
        groups.resize(static_cast<std::size_t>(count));
        (void)::getgrouplist(name.c_str(), pw->pw_gid, groups.data(), &count);
    }
    groups.resize(static_cast<std::size_t>(std::max(count, 0)));
    user.groups.push_back(pw->pw_gid);
    for (gid_t g : groups) {
        if (g != pw->pw_gid) user.groups.push_back(g);
    }
    return user;
}

std::optional<AccessProblem> check_readable(const ServiceUser& user, const std::string& key, const std::filesystem::path& file) {
    const auto path = std::filesystem::absolute(file);
    if (auto problem = check_search_path(user, key, path, path.parent_path())) return problem;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return AccessProblem{fmt::format("{} {}: {}", key, path.string(), std::strerror(errno)), "create it, or correct " + key};
    }
    if ((granted(user, st) & 04) == 0) {
        return AccessProblem{fmt::format("{} {}: the service user {} cannot read it ({})", key, path.string(), user.name,
                                         owner_text(st)),
                             fmt::format("chown {} {} && chmod 0600 {}", user.name, path.string(), path.string())};
    }
    return std::nullopt;
}

std::optional<AccessProblem> check_writable_directory(const ServiceUser& user, const std::string& key,
                                                      const std::filesystem::path& dir) {
    auto existing = std::filesystem::absolute(dir);
    std::error_code ec;
    while (!std::filesystem::exists(existing, ec) && existing.has_parent_path() && existing != existing.parent_path()) {
        existing = existing.parent_path();
    }
    if (auto problem = check_search_path(user, key, dir, existing)) return problem;
    struct stat st {};
    if (::stat(existing.c_str(), &st) != 0) return std::nullopt;
    if (!S_ISDIR(st.st_mode)) {
        return AccessProblem{fmt::format("{} {}: {} is not a directory", key, dir.string(), existing.string()),
                             "correct " + key};
    }
    if ((granted(user, st) & 03) != 03) {
        return AccessProblem{fmt::format("{} {}: the service user {} cannot write in {} ({})", key, dir.string(),
                                         user.name, existing.string(), owner_text(st)),
                             fmt::format("chown {}:{} {} && chmod 0700 {}; under systemd a directory outside "
                                         "/var/lib/gatehouse also needs ReadWritePaths={} (systemctl edit gatehoused)",
                                         user.name, user.name, existing.string(), existing.string(), existing.string())};
    }
    return std::nullopt;
}

}  // namespace gatehouse::daemon::cli
