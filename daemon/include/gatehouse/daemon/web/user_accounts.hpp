#pragma once
// The web console's accounts: who may log in, with which role, under which password hash. `gatehouse users`
// writes the users file; the daemon reads it (and reads it again when it changes).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::daemon::web {

/// What an account may do; each role may do everything the ones before it may.
enum class Role {
    viewer,  ///< Sees the gate board, alerts and history.
    guard,   ///< Also acknowledges and closes alerts, exports history.
    admin,   ///< Also manages the person lists and sees the gateway's health and the audit trail.
};

const char* to_string(Role role);
std::optional<Role> parse_role(std::string_view text);
/// Whether an account with `role` may do what needs `needed`.
inline bool allows(Role role, Role needed) { return static_cast<int>(role) >= static_cast<int>(needed); }

/// One account.
struct UserAccount {
    std::string name;
    Role role = Role::viewer;
    std::string password_hash;  ///< libsodium crypto_pwhash_str (argon2id) string.
};

/// What is wrong with an account name (1–64 of a-z A-Z 0-9 . _ - @), or empty when it is fine.
std::string check_user_name(std::string_view name);
/// What is wrong with a new password (at least 10 bytes, at most 1024, not the account name), or empty.
std::string check_new_password(std::string_view password, std::string_view user);

/// An argon2id hash of `password` (libsodium crypto_pwhash_str, interactive limits: about 64 MiB and a tenth of a
/// second). Throws std::runtime_error when memory cannot be had.
std::string hash_password(std::string_view password);
/// Whether `password` matches `hash` (constant time in the password; false for a malformed hash).
bool verify_password(const std::string& hash, std::string_view password);

/// A users file that cannot be read or parsed: "FILE:LINE: what".
class UsersFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The users file: one account per line, `name:role:hash`; blank lines and lines starting with '#' are ignored.
/// Thread-safety: a value type; none.
class UsersFile {
public:
    /// Reads `path`; a missing file is an empty list. Throws UsersFileError for a bad line or an unreadable file.
    static UsersFile load(const std::filesystem::path& path);
    static UsersFile parse(std::string_view text, const std::string& source);
    std::string format() const;
    /// Replaces `path` atomically (a temporary file beside it, fsync, rename), keeping the old file's owner and
    /// mode; a new file is created 0600. Throws UsersFileError.
    void save(const std::filesystem::path& path) const;

    const std::vector<UserAccount>& accounts() const { return accounts_; }
    const UserAccount* find(std::string_view name) const;
    /// Adds or replaces the account of that name.
    void put(UserAccount account);
    /// Removes an account; false when there was none.
    bool remove(std::string_view name);

private:
    std::vector<UserAccount> accounts_;
};

}  // namespace gatehouse::daemon::web
