#pragma once
// CURVE (zmq_curve(7)) keys: generation, key files, and setting up server and client sockets.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include <zmq.hpp>

namespace gatehouse::ipc {

/// A CURVE key pair, both halves as 40-character Z85 text.
struct CurveKeyPair {
    std::string public_key;
    std::string secret_key;
};

/// A key that cannot be used: missing or unreadable file, not Z85, or a secret file others can read.
class CurveKeyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Length of a Z85-encoded 32-byte CURVE key.
inline constexpr std::size_t kZ85KeyLength = 40;

/// Whether `text` is a well-formed Z85 CURVE key (40 characters of the Z85 alphabet).
bool is_z85_key(std::string_view text);
/// A new random key pair (zmq_curve_keypair).
CurveKeyPair generate_curve_keypair();
/// The public key belonging to a secret key (zmq_curve_public); throws CurveKeyError when it is not a key.
std::string curve_public_key(std::string_view secret_z85);
/// The Z85 text of a 32-byte binary key (as ZAP requests carry it).
std::string z85_from_binary_key(std::string_view binary);

/// Reads a secret key file (one Z85 line). Refuses a file the group or others may read or write, with a
/// message saying how to fix the mode: a leaked server key lets anyone impersonate the gateway.
CurveKeyPair load_secret_key_file(const std::filesystem::path& path);
/// A public key given either as Z85 text or as the path of a file holding one (e.g. PREFIX.pub).
std::string load_public_key(const std::string& z85_or_path);

/// Files written by write_keypair_files.
struct KeyFiles {
    std::filesystem::path secret_file;  ///< PREFIX.key, mode 0600
    std::filesystem::path public_file;  ///< PREFIX.pub, mode 0644
};
/// Writes PREFIX.key (secret, created with mode 0600 so it is never readable by others, not even briefly) and
/// PREFIX.pub. Refuses to overwrite an existing key unless `overwrite`.
KeyFiles write_keypair_files(const std::filesystem::path& prefix, const CurveKeyPair& keys, bool overwrite);

/// Makes `socket` a CURVE server with `secret_z85`, authenticated through the ZAP handler under `zap_domain`.
/// Call before bind().
void configure_curve_server(zmq::socket_t& socket, const std::string& secret_z85, const std::string& zap_domain);
/// Makes `socket` a CURVE client with its own key pair, trusting only `server_public_z85`. Call before connect().
void configure_curve_client(zmq::socket_t& socket, const CurveKeyPair& client, const std::string& server_public_z85);

}  // namespace gatehouse::ipc
