#include "curve_client_options.hpp"

#include <CLI/CLI.hpp>

namespace gatehouse::daemon::cli {

void CurveClientOptions::add_options(CLI::App& cmd, const std::string& role) {
    cmd.add_option("--key", key_file_,
                   "CURVE secret key file (mode 0600, from `gatehouse keygen`) whose public key is listed in the "
                   "gateway's " + role + "; needed when that socket uses CURVE");
    cmd.add_option("--server-key", server_key_,
                   "The gateway's public key (Z85 or a .pub file); default: the .pub beside the configuration's "
                   "security.secret_key_file");
}

std::string server_public_key_from(const GatewayConfig& config) {
    if (!config.security.secret_key_file) {
        throw ConfigError(config.source + ": no security.secret_key_file to take the gateway's public key from; "
                                          "give --server-key");
    }
    std::filesystem::path pub = *config.security.secret_key_file;
    pub.replace_extension(".pub");
    std::error_code ignored;
    if (std::filesystem::exists(pub, ignored)) return ipc::load_public_key(pub.string());
    try {
        return ipc::load_secret_key_file(*config.security.secret_key_file).public_key;
    } catch (const ipc::CurveKeyError& e) {
        throw ConfigError(std::string("cannot find the gateway's public key (") + pub.string() +
                          " does not exist and " + e.what() + "); give --server-key");
    }
}

std::optional<CurveClient> CurveClientOptions::resolve(const GatewayConfig* config) const {
    if (key_file_.empty()) {
        if (!server_key_.empty()) throw ConfigError("--server-key needs --key (the client's own secret key file)");
        return std::nullopt;
    }
    CurveClient c;
    c.client = ipc::load_secret_key_file(key_file_);
    if (!server_key_.empty()) {
        c.server_public_key = ipc::load_public_key(server_key_);
    } else if (config) {
        c.server_public_key = server_public_key_from(*config);
    } else {
        throw ConfigError("--key needs --server-key (the gateway's public key) or --config naming the gateway's key");
    }
    return c;
}

}  // namespace gatehouse::daemon::cli
