#include "gatehouse/daemon/fleet/site_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <sodium.h>

namespace gatehouse::daemon::fleet {
namespace {

void ensure_sodium() {
    // sodium_init is idempotent and thread-safe; it fails only without an entropy source.
    if (sodium_init() < 0) throw SiteKeyError("libsodium cannot be initialised (no entropy source)");
}

std::string read_key_line(const std::filesystem::path& file, std::size_t bytes, const char* what) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) throw SiteKeyError(fmt::format("{} '{}' is not a readable file", what, file.string()));
    if (std::filesystem::file_size(file, ec) > 4096) throw SiteKeyError(fmt::format("{} '{}' is too large to be a key", what, file.string()));
    std::ifstream in(file);
    if (!in) throw SiteKeyError(fmt::format("cannot read {} '{}': {}", what, file.string(), std::strerror(errno)));
    std::stringstream text;
    text << in.rdbuf();
    std::string line = text.str();
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) line.pop_back();
    std::string key;
    if (!from_base64(line, key) || key.size() != bytes) {
        throw SiteKeyError(fmt::format("{} '{}' does not hold a base64 Ed25519 key of {} bytes (made by `gatehouse fleet keygen`)",
                                       what, file.string(), bytes));
    }
    return key;
}

void write_file(const std::filesystem::path& path, const std::string& text, mode_t mode, bool force) {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
    const int fd = ::open(path.c_str(), flags, mode);
    if (fd < 0) throw SiteKeyError(fmt::format("cannot create '{}': {}", path.string(), std::strerror(errno)));
    // An existing file kept its old mode with O_TRUNC: set ours.
    const bool ok = ::fchmod(fd, mode) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                    ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    if (!ok) throw SiteKeyError(fmt::format("cannot write '{}': {}", path.string(), std::strerror(error)));
}

}  // namespace

std::string to_base64(std::string_view bytes) {
    ensure_sodium();
    const int variant = sodium_base64_VARIANT_ORIGINAL;
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), variant);
    out.resize(std::strlen(out.c_str()));
    return out;
}

bool from_base64(std::string_view text, std::string& out) {
    ensure_sodium();
    out.assign(text.size() / 4 * 3 + 3, '\0');
    std::size_t length = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                          &length, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text.data() + text.size()) {
        out.clear();
        return false;
    }
    out.resize(length);
    return true;
}

SiteKeyPair generate_site_key_pair() {
    ensure_sodium();
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(pk, sk);
    SiteKeyPair keys{std::string(reinterpret_cast<char*>(pk), sizeof pk), std::string(reinterpret_cast<char*>(sk), sizeof sk)};
    sodium_memzero(sk, sizeof sk);
    return keys;
}

std::pair<std::filesystem::path, std::filesystem::path> write_site_key_files(const std::filesystem::path& prefix,
                                                                             const SiteKeyPair& keys, bool force) {
    const std::filesystem::path secret = prefix.string() + ".key";
    const std::filesystem::path pub = prefix.string() + ".pub";
    if (!force) {
        for (const auto& p : {secret, pub}) {
            if (std::filesystem::exists(p)) throw SiteKeyError(fmt::format("'{}' exists (--force replaces it)", p.string()));
        }
    }
    write_file(secret, to_base64(keys.secret_key) + "\n", 0600, force);
    write_file(pub, to_base64(keys.public_key) + "\n", 0644, force);
    return {secret, pub};
}

std::string read_site_public_key(const std::filesystem::path& file) {
    return read_key_line(file, crypto_sign_PUBLICKEYBYTES, "site public key");
}

std::string read_site_secret_key(const std::filesystem::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        throw SiteKeyError(fmt::format("site secret key '{}' has mode {:04o}: readable or writable by others; refusing to "
                                       "use it (chmod 0600 {})",
                                       file.string(), st.st_mode & 07777, file.string()));
    }
    return read_key_line(file, crypto_sign_SECRETKEYBYTES, "site secret key");
}

std::string sign_detached(std::string_view message, const std::string& secret_key) {
    ensure_sodium();
    if (secret_key.size() != crypto_sign_SECRETKEYBYTES) throw SiteKeyError("not an Ed25519 secret key");
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                         reinterpret_cast<const unsigned char*>(secret_key.data()));
    return to_base64(std::string_view(reinterpret_cast<char*>(sig), sizeof sig));
}

bool verify_detached(std::string_view message, std::string_view signature_b64, const std::string& public_key) {
    std::string sig;
    if (public_key.size() != crypto_sign_PUBLICKEYBYTES || !from_base64(signature_b64, sig) || sig.size() != crypto_sign_BYTES) {
        return false;
    }
    return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                                       reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

}  // namespace gatehouse::daemon::fleet
