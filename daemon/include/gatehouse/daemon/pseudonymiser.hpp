#pragma once
// Person ids as the upstream sees them when pseudonymisation is on: a keyed hash, stable per site.
#include <filesystem>
#include <string>
#include <string_view>

namespace gatehouse::daemon {

/// HMAC-SHA256 of `message` under `key`, as 64 lowercase hex digits.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

/// Turns a person id into its pseudonym: the first 32 hex digits (128 bits) of HMAC-SHA256(site secret, id).
/// The same id always gives the same pseudonym under one secret, so the upstream can correlate one person's
/// records without learning the badge number; without the secret the id cannot be recovered or confirmed.
/// Immutable after construction; safe to share between threads.
class Pseudonymiser {
public:
    static constexpr std::size_t kMinSecretBytes = 16;
    static constexpr std::size_t kPseudonymHexDigits = 32;

    /// Throws std::invalid_argument when the secret is shorter than kMinSecretBytes.
    explicit Pseudonymiser(std::string secret);
    /// Reads the secret from `file` (its bytes, without one trailing newline). Refuses (std::runtime_error
    /// naming the file) a file that is missing, group- or world-accessible, or too short.
    static Pseudonymiser from_file(const std::filesystem::path& file);

    std::string pseudonym(std::string_view person) const;

private:
    std::string secret_;
};

}  // namespace gatehouse::daemon
