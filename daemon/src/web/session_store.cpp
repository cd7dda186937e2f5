#include "gatehouse/daemon/web/session_store.hpp"

#include <algorithm>
#include <stdexcept>

#include <sodium.h>

namespace gatehouse::daemon::web {
namespace {

std::string to_hex(const unsigned char* bytes, std::size_t n) {
    std::string hex(n * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), bytes, n);
    hex.pop_back();
    return hex;
}

std::string digest(const std::string& token) {
    unsigned char out[crypto_generichash_BYTES];
    crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
    return to_hex(out, sizeof out);
}

}  // namespace

std::string random_token(std::size_t bytes) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
    std::string raw(bytes, '\0');
    randombytes_buf(raw.data(), raw.size());
    return to_hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

bool same_secret(const std::string& a, const std::string& b) {
    return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

SessionStore::SessionStore(std::chrono::seconds idle_timeout, std::chrono::seconds lifetime, std::size_t max_sessions)
    : idle_timeout_(idle_timeout), lifetime_(lifetime), max_sessions_(std::max<std::size_t>(max_sessions, 1)) {}

bool SessionStore::expired(const Entry& e, Clock::time_point now) const {
    return now - e.last_seen >= idle_timeout_ || now - e.created >= lifetime_;
}

std::string SessionStore::create(Session session, Clock::time_point now) {
    session.csrf_token = random_token();
    const std::string token = random_token();
    std::lock_guard lock(mutex_);
    std::erase_if(sessions_, [&](const auto& item) { return expired(item.second, now); });
    if (sessions_.size() >= max_sessions_) {
        const auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
            return a.second.last_seen < b.second.last_seen;
        });
        sessions_.erase(oldest);
    }
    sessions_[digest(token)] = Entry{std::move(session), now, now};
    return token;
}

std::optional<Session> SessionStore::find(const std::string& token, Clock::time_point now, bool touch) {
    if (token.empty()) return std::nullopt;
    const std::string key = digest(token);
    std::lock_guard lock(mutex_);
    const auto it = sessions_.find(key);
    if (it == sessions_.end()) return std::nullopt;
    if (expired(it->second, now)) {
        sessions_.erase(it);
        return std::nullopt;
    }
    if (touch) it->second.last_seen = now;
    return it->second.session;
}

void SessionStore::end(const std::string& token) {
    const std::string key = digest(token);
    std::lock_guard lock(mutex_);
    sessions_.erase(key);
}

std::size_t SessionStore::end_stale(const std::string& user, const std::optional<std::string>& current_hash) {
    std::lock_guard lock(mutex_);
    return std::erase_if(sessions_, [&](const auto& item) {
        const Session& s = item.second.session;
        return s.user == user && (!current_hash || s.password_hash != *current_hash);
    });
}

void SessionStore::set_role(const std::string& user, Role role) {
    std::lock_guard lock(mutex_);
    for (auto& [key, e] : sessions_) {
        if (e.session.user == user) e.session.role = role;
    }
}

std::size_t SessionStore::size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

}  // namespace gatehouse::daemon::web
