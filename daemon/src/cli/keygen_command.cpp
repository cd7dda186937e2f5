#include "keygen_command.hpp"

#include <unistd.h>

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "gatehouse/ipc/curve_keys.hpp"
#include "service_user_access.hpp"

namespace gatehouse::daemon::cli {
namespace {

struct KeygenArgs {
    std::string prefix;
    bool force = false;
    bool json = false;
};

void run(const KeygenArgs& a) {
    const std::filesystem::path prefix(a.prefix);
    if (prefix.has_parent_path() && !std::filesystem::is_directory(prefix.parent_path())) {
        throw ipc::CurveKeyError(prefix.parent_path().string() + ": no such directory");
    }
    const ipc::CurveKeyPair keys = ipc::generate_curve_keypair();
    ipc::KeyFiles files;
    try {
        files = ipc::write_keypair_files(prefix, keys, a.force);
    } catch (const ipc::CurveKeyError& e) {
        // An existing key, or a directory that cannot be written: the output cannot be created (EX_CANTCREAT), not
        // a configuration error.
        std::cerr << "gatehouse keygen: " << e.what() << '\n';
        finish(kExitCantCreate);
    }
    if (a.json) {
        std::cout << nlohmann::json{{"public_key", keys.public_key},
                                    {"secret_key_file", files.secret_file.string()},
                                    {"public_key_file", files.public_file.string()}}
                         .dump()
                  << '\n';
        return;
    }
    std::cout << "secret key: " << files.secret_file.string() << " (mode 0600; keep it on this machine only)\n"
              << "public key: " << files.public_file.string() << "\n"
              << keys.public_key << '\n';
    if (::geteuid() == 0) {
        // Made by root, mode 0600: the service (user gatehouse) could not read it.
        std::cout << "for the gateway's own key, let the service user read it: chown " << kServiceUser << ' '
                  << files.secret_file.string() << '\n';
    }
}

}  // namespace

void register_keygen_command(CLI::App& app) {
    auto a = std::make_shared<KeygenArgs>();
    auto* cmd = app.add_subcommand(
        "keygen", "Create a CURVE key pair: PREFIX.key (secret, mode 0600) and PREFIX.pub (public, Z85) for the gateway, "
                  "a terminal, a console or an admin (docs/security.md)");
    cmd->add_option("--out,-o", a->prefix, "Path prefix of the two files, e.g. /etc/gatehouse/server")->required();
    cmd->add_flag("--force", a->force, "Replace existing key files");
    cmd->add_flag("--json", a->json, "Print the public key and both paths as one JSON object");
    cmd->callback([a] { run(*a); });
}

}  // namespace gatehouse::daemon::cli
