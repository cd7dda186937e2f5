#include "gatehouse/daemon/pseudonymiser.hpp"

#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <sys/stat.h>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace gatehouse::daemon {

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
              message.size(), digest.data(), &length)) {
        throw std::runtime_error("HMAC-SHA256 failed (OpenSSL)");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 0x0f];
    }
    return hex;
}

Pseudonymiser::Pseudonymiser(std::string secret) : secret_(std::move(secret)) {
    if (secret_.size() < kMinSecretBytes) {
        throw std::invalid_argument(fmt::format("the site secret has {} bytes; at least {} are needed", secret_.size(),
                                                kMinSecretBytes));
    }
}

Pseudonymiser Pseudonymiser::from_file(const std::filesystem::path& file) {
    struct stat info {};
    if (::stat(file.c_str(), &info) != 0) {
        throw std::runtime_error("privacy.site_secret_file " + file.string() + ": cannot read it (missing?)");
    }
    // Like a CURVE secret key: a secret others could read may already be known; it must be replaced, not used.
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        throw std::runtime_error(fmt::format("privacy.site_secret_file {}: mode {:04o} lets group or others read it; "
                                             "make it 0600, owned by the service user, and consider it compromised "
                                             "(write a new secret: head -c 32 /dev/urandom | base64 > FILE)",
                                             file.string(), info.st_mode & 07777));
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("privacy.site_secret_file " + file.string() + ": cannot open it (permissions?)");
    std::ostringstream text;
    text << in.rdbuf();
    std::string secret = text.str();
    if (!secret.empty() && secret.back() == '\n') secret.pop_back();
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
    try {
        return Pseudonymiser(std::move(secret));
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error("privacy.site_secret_file " + file.string() + ": " + e.what());
    }
}

std::string Pseudonymiser::pseudonym(std::string_view person) const {
    return hmac_sha256_hex(secret_, person).substr(0, kPseudonymHexDigits);
}

}  // namespace gatehouse::daemon
