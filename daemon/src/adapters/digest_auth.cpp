#include "adapters/digest_auth.hpp"

#include <array>
#include <optional>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace gatehouse::daemon::adapters {
namespace {

// A device answers a challenge within seconds; a nonce older than this is stale (the device asks again).
constexpr std::chrono::minutes kNonceLifetime{5};
// Nonces kept at most: beyond it the oldest go first (a flood of unauthenticated requests cannot grow memory).
constexpr std::size_t kMaxNonces = 4096;

std::string hex(const unsigned char* data, std::size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(kDigits[data[i] >> 4]);
        out.push_back(kDigits[data[i] & 0xf]);
    }
    return out;
}

std::string md5_hex(const std::string& text) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_md5(), nullptr) != 1) {
        throw std::runtime_error("MD5 digest failed");
    }
    return hex(digest.data(), size);
}

// The parameters of "Digest k=v, k="v", ..."; nullopt when it is not a digest header or cannot be read.
std::optional<std::map<std::string, std::string>> parse_digest(std::string_view header) {
    constexpr std::string_view kScheme = "Digest ";
    if (header.size() > 4096 || header.substr(0, kScheme.size()) != kScheme) return std::nullopt;
    header.remove_prefix(kScheme.size());
    std::map<std::string, std::string> params;
    std::size_t at = 0;
    while (at < header.size()) {
        while (at < header.size() && (header[at] == ' ' || header[at] == ',')) ++at;
        if (at >= header.size()) break;
        const std::size_t eq = header.find('=', at);
        if (eq == std::string_view::npos) return std::nullopt;
        std::string key(header.substr(at, eq - at));
        at = eq + 1;
        std::string value;
        if (at < header.size() && header[at] == '"') {
            ++at;
            while (at < header.size() && header[at] != '"') {
                if (header[at] == '\\' && at + 1 < header.size()) ++at;
                value.push_back(header[at++]);
            }
            if (at >= header.size()) return std::nullopt;  // unterminated quote
            ++at;
        } else {
            const std::size_t end = header.find(',', at);
            value = std::string(header.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
            while (!value.empty() && value.back() == ' ') value.pop_back();
            at = end == std::string_view::npos ? header.size() : end;
        }
        if (key.empty() || !params.emplace(std::move(key), std::move(value)).second) return std::nullopt;
    }
    return params;
}

bool equal_in_constant_time(const std::string& a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

const char* to_string(DigestRefusal r) {
    switch (r) {
        case DigestRefusal::none: return "none";
        case DigestRefusal::missing: return "auth_challenged";  // the first step of every digest exchange
        case DigestRefusal::malformed: return "auth_malformed";
        case DigestRefusal::wrong_user: return "auth_wrong_user";
        case DigestRefusal::stale_nonce: return "auth_stale_nonce";
        case DigestRefusal::replayed: return "auth_replayed";
        case DigestRefusal::wrong_response: return "auth_wrong_password";
    }
    return "auth";
}

std::string DigestVerifier::challenge(SteadyTime now) {
    std::array<unsigned char, 16> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) throw std::runtime_error("RAND_bytes failed");
    const std::string nonce = hex(random.data(), random.size());
    {
        std::lock_guard lock(mutex_);
        for (auto it = nonces_.begin(); it != nonces_.end();) {
            it = now - it->second.issued > kNonceLifetime ? nonces_.erase(it) : std::next(it);
        }
        while (nonces_.size() >= kMaxNonces) {
            auto oldest = nonces_.begin();
            for (auto it = nonces_.begin(); it != nonces_.end(); ++it) {
                if (it->second.issued < oldest->second.issued) oldest = it;
            }
            nonces_.erase(oldest);
        }
        nonces_[nonce] = Nonce{now, 0};
    }
    return "Digest realm=\"" + realm_ + "\", qop=\"auth\", algorithm=MD5, nonce=\"" + nonce + "\"";
}

DigestRefusal DigestVerifier::verify(std::string_view authorization, const std::string& method, const std::string& uri,
                                     const DeviceCredentials& credentials, SteadyTime now) {
    if (authorization.empty()) return DigestRefusal::missing;
    const auto p = parse_digest(authorization);
    if (!p) return DigestRefusal::malformed;
    const auto get = [&](const char* key) -> std::string {
        const auto f = p->find(key);
        return f == p->end() ? std::string() : f->second;
    };
    const std::string nonce = get("nonce"), response = get("response"), qop = get("qop"), nc = get("nc");
    const std::string algorithm = get("algorithm");
    if (nonce.empty() || response.empty() || get("uri") != uri || get("realm") != realm_ ||
        (!algorithm.empty() && algorithm != "MD5") || qop != "auth" || nc.empty() || nc.size() > 8 ||
        nc.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos || get("cnonce").empty()) {
        return DigestRefusal::malformed;
    }
    if (!equal_in_constant_time(get("username"), credentials.user)) return DigestRefusal::wrong_user;
    const std::uint64_t count = std::stoull(nc, nullptr, 16);
    const std::string ha1 = md5_hex(credentials.user + ":" + realm_ + ":" + credentials.password);
    const std::string ha2 = md5_hex(method + ":" + uri);
    const std::string expected = md5_hex(ha1 + ":" + nonce + ":" + nc + ":" + get("cnonce") + ":" + qop + ":" + ha2);
    std::lock_guard lock(mutex_);
    const auto known = nonces_.find(nonce);
    if (known == nonces_.end() || now - known->second.issued > kNonceLifetime) return DigestRefusal::stale_nonce;
    if (!equal_in_constant_time(response, expected)) return DigestRefusal::wrong_response;
    if (count <= known->second.last_count) return DigestRefusal::replayed;
    known->second.last_count = count;
    return DigestRefusal::none;
}

}  // namespace gatehouse::daemon::adapters
