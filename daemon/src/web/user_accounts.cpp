#include "gatehouse/daemon/web/user_accounts.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <sodium.h>

namespace gatehouse::daemon::web {
namespace {

void init_sodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
}

std::string system_error(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

const char* to_string(Role role) {
    switch (role) {
        case Role::viewer: return "viewer";
        case Role::guard: return "guard";
        case Role::admin: return "admin";
    }
    return "viewer";
}

std::optional<Role> parse_role(std::string_view text) {
    for (Role r : {Role::viewer, Role::guard, Role::admin}) {
        if (text == to_string(r)) return r;
    }
    return std::nullopt;
}

std::string check_user_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return "an account name has 1 to 64 characters";
    const bool allowed = std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-' || c == '@';
    });
    return allowed ? "" : "an account name may use only a-z A-Z 0-9 . _ - @";
}

std::string check_new_password(std::string_view password, std::string_view user) {
    if (password.size() < 10) return "a password needs at least 10 characters";
    if (password.size() > 1024) return "a password has at most 1024 bytes";
    if (password == user) return "the password must not be the account name";
    return "";
}

std::string hash_password(std::string_view password) {
    init_sodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        throw std::runtime_error("cannot hash the password: not enough memory");
    }
    return out;
}

bool verify_password(const std::string& hash, std::string_view password) {
    init_sodium();
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

UsersFile UsersFile::load(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (!std::filesystem::exists(path)) return {};
        throw UsersFileError(path.string() + ": cannot read the users file (permissions?)");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), path.string());
}

UsersFile UsersFile::parse(std::string_view text, const std::string& source) {
    UsersFile file;
    std::size_t line_no = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        auto fail = [&](const std::string& what) {
            throw UsersFileError(source + ":" + std::to_string(line_no) + ": " + what);
        };
        const auto first = line.find(':');
        const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
        if (second == std::string_view::npos) fail("expected name:role:hash");
        UserAccount account;
        account.name = std::string(line.substr(0, first));
        if (const auto why = check_user_name(account.name); !why.empty()) fail(why);
        const auto role = parse_role(line.substr(first + 1, second - first - 1));
        if (!role) fail("role must be viewer, guard or admin");
        account.role = *role;
        account.password_hash = std::string(line.substr(second + 1));
        if (account.password_hash.rfind("$argon2id$", 0) != 0) fail("the hash is not an argon2id hash (use `gatehouse users passwd`)");
        if (file.find(account.name)) fail("account '" + account.name + "' is listed twice");
        file.accounts_.push_back(std::move(account));
    }
    return file;
}

std::string UsersFile::format() const {
    std::string out =
        "# gatehouse web console accounts: name:role:argon2id-hash (roles: viewer, guard, admin).\n"
        "# Managed by `gatehouse users add|passwd|remove|list`; the daemon re-reads this file when it changes.\n";
    for (const auto& a : accounts_) out += a.name + ":" + to_string(a.role) + ":" + a.password_hash + "\n";
    return out;
}

void UsersFile::save(const std::filesystem::path& path) const {
    struct stat old {};
    const bool existed = ::stat(path.c_str(), &old) == 0;
    const std::filesystem::path temp = path.string() + ".tmp";
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw UsersFileError(system_error("cannot write " + temp.string()));
    const std::string text = format();
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    // The daemon reads the file as its own user: an existing file keeps its owner, group and mode.
    if (ok && existed) ok = ::fchmod(fd, old.st_mode & 07777) == 0 && (::fchown(fd, old.st_uid, old.st_gid) == 0 || errno == EPERM);
    ok = ok && ::fsync(fd) == 0;
    const int saved_errno = errno;
    ::close(fd);
    if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
        errno = ok ? errno : saved_errno;
        const std::string message = system_error("cannot write " + path.string());
        ::unlink(temp.c_str());
        throw UsersFileError(message);
    }
}

const UserAccount* UsersFile::find(std::string_view name) const {
    const auto it = std::find_if(accounts_.begin(), accounts_.end(), [&](const UserAccount& a) { return a.name == name; });
    return it == accounts_.end() ? nullptr : &*it;
}

void UsersFile::put(UserAccount account) {
    const auto it = std::find_if(accounts_.begin(), accounts_.end(), [&](const UserAccount& a) { return a.name == account.name; });
    if (it != accounts_.end()) {
        *it = std::move(account);
    } else {
        accounts_.push_back(std::move(account));
    }
}

bool UsersFile::remove(std::string_view name) {
    return std::erase_if(accounts_, [&](const UserAccount& a) { return a.name == name; }) > 0;
}

}  // namespace gatehouse::daemon::web
