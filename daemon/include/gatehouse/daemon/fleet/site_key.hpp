#pragma once
// The site's Ed25519 key pair (libsodium): the platform signs each downlink update with the secret key, every gateway
// of the site verifies it with the public key. Files hold one line of standard base64.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gatehouse::daemon::fleet {

/// A key file that is missing, unreadable, exposed (secret not 0600) or not a key.
class SiteKeyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Raw key bytes: public 32, secret 64 (libsodium's seed + public key).
struct SiteKeyPair {
    std::string public_key;
    std::string secret_key;
};

SiteKeyPair generate_site_key_pair();
/// Writes PREFIX.key (secret, mode 0600, created exclusively unless `force`) and PREFIX.pub; returns both paths.
std::pair<std::filesystem::path, std::filesystem::path> write_site_key_files(const std::filesystem::path& prefix,
                                                                             const SiteKeyPair& keys, bool force);
std::string read_site_public_key(const std::filesystem::path& file);
/// Refuses a file readable or writable by group or others.
std::string read_site_secret_key(const std::filesystem::path& file);

/// Base64 (standard alphabet, padded) of the detached Ed25519 signature of `message`.
std::string sign_detached(std::string_view message, const std::string& secret_key);
/// Whether `signature_b64` is a valid signature of exactly `message` under `public_key`; false for bad base64.
bool verify_detached(std::string_view message, std::string_view signature_b64, const std::string& public_key);

std::string to_base64(std::string_view bytes);
/// Decodes standard base64 into `out`; false (and `out` empty) when `text` is not base64.
bool from_base64(std::string_view text, std::string& out);

}  // namespace gatehouse::daemon::fleet
