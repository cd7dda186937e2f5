#pragma once
// Logged-in web sessions: random tokens held in memory, each ending after an idle time and at the latest after a
// fixed lifetime, each with its own CSRF token.
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "gatehouse/daemon/web/user_accounts.hpp"

namespace gatehouse::daemon::web {

/// One logged-in session as the handlers see it.
struct Session {
    std::string user;
    Role role = Role::viewer;
    std::string csrf_token;     ///< Sent back by the page in X-CSRF-Token on every state change.
    std::string password_hash;  ///< The account's hash at login: a changed password ends the session.
    std::string address;        ///< Client address at login.
};

/// The sessions of one web console. Tokens are 256 random bits; only their BLAKE2b digest is kept as the key, so
/// that looking one up reveals nothing through timing. A restart of the daemon ends every session.
/// Times are passed in (steady clock) so expiry is testable without sleeping.
/// Thread-safety: every member may be called from any thread.
class SessionStore {
public:
    using Clock = std::chrono::steady_clock;

    SessionStore(std::chrono::seconds idle_timeout, std::chrono::seconds lifetime, std::size_t max_sessions = 1000);

    /// Starts a session (a new CSRF token is made for it) and returns its token for the cookie. Beyond
    /// max_sessions the session idle for longest is ended.
    std::string create(Session session, Clock::time_point now);
    /// The session behind `token` if it has not expired; counts as activity (the idle time restarts) when `touch`.
    std::optional<Session> find(const std::string& token, Clock::time_point now, bool touch = true);
    /// Ends one session (logout).
    void end(const std::string& token);
    /// Ends every session of `user` whose password hash differs from `current_hash` (changed password), or all
    /// of them when the account is gone (`current_hash` unset); returns how many ended.
    std::size_t end_stale(const std::string& user, const std::optional<std::string>& current_hash);
    /// Updates the role of a user's live sessions (the users file changed it).
    void set_role(const std::string& user, Role role);
    std::size_t size() const;

private:
    struct Entry {
        Session session;
        Clock::time_point created;
        Clock::time_point last_seen;
    };
    bool expired(const Entry& e, Clock::time_point now) const;

    std::chrono::seconds idle_timeout_;
    std::chrono::seconds lifetime_;
    std::size_t max_sessions_;
    mutable std::mutex mutex_;
    std::map<std::string, Entry> sessions_;  ///< by digest of the token
};

/// `bytes` random bytes (libsodium) as lowercase hex.
std::string random_token(std::size_t bytes = 32);
/// Compares two secrets in time independent of where they differ.
bool same_secret(const std::string& a, const std::string& b);

}  // namespace gatehouse::daemon::web
