#pragma once
// What the service user (the unit's User=) can reach, checked by `gatehouse check-config` run as root: a key
// created by root with mode 0600 passes a check made as root and then stops the service with "Permission denied".
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace gatehouse::daemon::cli {

/// The user the packaged unit runs the service as (User= in systemd/gatehoused.service).
inline constexpr const char* kServiceUser = "gatehouse";

/// A user as the kernel checks file access for it.
struct ServiceUser {
    std::string name;
    uid_t uid = 0;
    std::vector<gid_t> groups;  ///< Primary group first, then the supplementary ones.

    /// The user from the password database; nullopt when there is no such user on this machine.
    static std::optional<ServiceUser> find(const std::string& name);
};

/// One thing the service user could not do, with the command that fixes it.
struct AccessProblem {
    std::string what;  ///< "security.secret_key_file /etc/gatehouse/server.key: gatehouse cannot read it (...)"
    std::string fix;   ///< "chown gatehouse /etc/gatehouse/server.key"
};

/// Whether `user` can read `file` (search permission on every directory above it, read on the file), judged from
/// owners and mode bits (ACLs are not read). `key` names the configuration key in the message.
std::optional<AccessProblem> check_readable(const ServiceUser& user, const std::string& key, const std::filesystem::path& file);

/// Whether `user` can create and write files in `dir` (or, when it does not exist yet, create it in its nearest
/// existing parent). `key` names the configuration key in the message.
std::optional<AccessProblem> check_writable_directory(const ServiceUser& user, const std::string& key,
                                                      const std::filesystem::path& dir);

}  // namespace gatehouse::daemon::cli
