#include "gatehouse/daemon/forwarding/robot_signing.hpp"

#include <array>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace gatehouse::daemon::forwarding {
namespace {

std::string hmac_sha256_base64(std::string_view key, std::string_view message) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_length = 0;
    const unsigned char* ok =
        HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(), &digest_length);
    if (!ok) throw std::runtime_error("HMAC-SHA256 failed (OpenSSL)");
    std::string encoded(4 * ((digest_length + 2) / 3), '\0');
    const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), digest.data(),
                                        static_cast<int>(digest_length));
    encoded.resize(static_cast<std::size_t>(written));
    return encoded;
}

}  // namespace

std::string dingtalk_signature(std::string_view secret, std::int64_t timestamp_ms) {
    const std::string string_to_sign = std::to_string(timestamp_ms) + "\n" + std::string(secret);
    return hmac_sha256_base64(secret, string_to_sign);
}

std::string feishu_signature(std::string_view secret, std::int64_t timestamp_s) {
    // Feishu uses the string to sign as the HMAC key and signs nothing (unlike DingTalk).
    const std::string key = std::to_string(timestamp_s) + "\n" + std::string(secret);
    return hmac_sha256_base64(key, "");
}

std::string url_encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '_' || c == '.' || c == '~';
        if (unreserved) {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0x0F];
        }
    }
    return out;
}

}  // namespace gatehouse::daemon::forwarding
