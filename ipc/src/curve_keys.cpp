#include "gatehouse/ipc/curve_keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace gatehouse::ipc {
namespace {

constexpr std::string_view kZ85Alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) {
        text.pop_back();
    }
    return text;
}

std::string mode_text(mode_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

// Creates `path` with `mode` in one open(2), so the secret is never visible under a wider umask-derived mode.
void write_new_file(const std::filesystem::path& path, const std::string& text, mode_t mode, bool overwrite) {
    const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
    const int fd = ::open(path.c_str(), flags, mode);
    if (fd < 0) {
        const int err = errno;
        throw CurveKeyError(path.string() + ": cannot create key file: " + std::strerror(err) +
                            (err == EEXIST ? " (use --force to replace it)" : ""));
    }
    // An existing file keeps its old mode on O_TRUNC; set it explicitly.
    const bool ok = ::fchmod(fd, mode) == 0 &&
                    ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!ok) throw CurveKeyError(path.string() + ": cannot write key file: " + std::strerror(err));
}

}  // namespace

bool is_z85_key(std::string_view text) {
    if (text.size() != kZ85KeyLength) return false;
    for (char c : text) {
        if (kZ85Alphabet.find(c) == std::string_view::npos) return false;
    }
    return true;
}

CurveKeyPair generate_curve_keypair() {
    std::array<char, kZ85KeyLength + 1> pub{}, sec{};
    if (zmq_curve_keypair(pub.data(), sec.data()) != 0) {
        throw CurveKeyError(std::string("cannot generate a CURVE key pair: ") + zmq_strerror(zmq_errno()));
    }
    return {std::string(pub.data()), std::string(sec.data())};
}

std::string curve_public_key(std::string_view secret_z85) {
    if (!is_z85_key(secret_z85)) throw CurveKeyError("not a Z85 CURVE secret key (40 characters expected)");
    const std::string secret(secret_z85);
    std::array<char, kZ85KeyLength + 1> pub{};
    if (zmq_curve_public(pub.data(), secret.c_str()) != 0) {
        throw CurveKeyError(std::string("cannot derive the public key: ") + zmq_strerror(zmq_errno()));
    }
    return std::string(pub.data());
}

std::string z85_from_binary_key(std::string_view binary) {
    if (binary.size() != 32) return {};
    std::array<char, kZ85KeyLength + 1> text{};
    if (!zmq_z85_encode(text.data(), reinterpret_cast<const std::uint8_t*>(binary.data()), binary.size())) return {};
    return std::string(text.data());
}

CurveKeyPair load_secret_key_file(const std::filesystem::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        throw CurveKeyError(path.string() + ": cannot read secret key file: " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) throw CurveKeyError(path.string() + ": secret key file is not a regular file");
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        throw CurveKeyError(path.string() + ": secret key file has mode " + mode_text(st.st_mode) +
                            ", readable or writable by group or others; refusing to use it (chmod 0600 " +
                            path.string() + ")");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CurveKeyError(path.string() + ": cannot read secret key file: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    const std::string secret = trimmed(text.str());
    if (!is_z85_key(secret)) {
        throw CurveKeyError(path.string() + ": not a CURVE secret key (one line of 40 Z85 characters expected; "
                                            "`gatehouse keygen` writes one)");
    }
    return {curve_public_key(secret), secret};
}

std::string load_public_key(const std::string& z85_or_path) {
    if (is_z85_key(z85_or_path)) return z85_or_path;
    std::ifstream in(z85_or_path, std::ios::binary);
    if (!in) throw CurveKeyError("'" + z85_or_path + "' is neither a Z85 public key (40 characters) nor a readable file");
    std::ostringstream text;
    text << in.rdbuf();
    const std::string key = trimmed(text.str());
    if (!is_z85_key(key)) throw CurveKeyError(z85_or_path + ": not a CURVE public key (40 Z85 characters expected)");
    return key;
}

KeyFiles write_keypair_files(const std::filesystem::path& prefix, const CurveKeyPair& keys, bool overwrite) {
    KeyFiles files{prefix.string() + ".key", prefix.string() + ".pub"};
    if (!overwrite) {
        for (const auto& f : {files.secret_file, files.public_file}) {
            if (std::filesystem::exists(f)) {
                throw CurveKeyError(f.string() + ": already exists; refusing to replace a key (use --force)");
            }
        }
    }
    write_new_file(files.secret_file, keys.secret_key + "\n", 0600, overwrite);
    write_new_file(files.public_file, keys.public_key + "\n", 0644, overwrite);
    return files;
}

void configure_curve_server(zmq::socket_t& socket, const std::string& secret_z85, const std::string& zap_domain) {
    socket.set(zmq::sockopt::curve_server, 1);
    socket.set(zmq::sockopt::curve_secretkey, secret_z85);
    socket.set(zmq::sockopt::zap_domain, zap_domain);
}

void configure_curve_client(zmq::socket_t& socket, const CurveKeyPair& client, const std::string& server_public_z85) {
    socket.set(zmq::sockopt::curve_serverkey, server_public_z85);
    socket.set(zmq::sockopt::curve_publickey, client.public_key);
    socket.set(zmq::sockopt::curve_secretkey, client.secret_key);
}

}  // namespace gatehouse::ipc
