#include "check_config_command.hpp"

#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "exit_codes.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/ipc/curve_keys.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {

void register_check_config_command(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("check-config", "Validate a configuration file without starting the daemon");
    cmd->add_option("file", *path, "Configuration file")->required();
    cmd->callback([path] {
        GatewayConfig c;
        std::string key_note;
        try {
            c = load_config_file(*path);
            check_transport_security(c);
            if (const auto& key = c.security.secret_key_file) {
                // The key belongs to the service user; another user can check everything but the key itself.
                if (::access(key->c_str(), R_OK) != 0 && errno == EACCES) {
                    key_note = "; secret key " + key->string() + " not readable by this user (not checked)";
                } else {
                    key_note = "; CURVE server key " + ipc::load_secret_key_file(*key).public_key;
                }
            } else if (c.security.insecure_plaintext) {
                key_note = "; WARNING: insecure_plaintext (TCP without CURVE)";
            }
        } catch (const ConfigError& e) {
            std::cerr << e.what() << '\n';
            finish(kExitConfig);
        } catch (const ipc::CurveKeyError& e) {
            std::cerr << *path << ": security.secret_key_file: " << e.what() << '\n';
            finish(kExitConfig);
        }
        const Style style(stdout);
        std::cout << style.green("ok") << ": " << *path << ": gateway '" << c.gateway_id << "', " << c.gates.size()
                  << " gate(s), " << c.cameras.size() << " camera(s), " << c.terminals.size() << " terminal(s); terminals on " << c.terminal_endpoint
                  << ", ledger " << c.ledger_path.string() << ", time zone " << c.time_zone().name()
                  << (c.timezone.empty() ? " (the system's)" : "") << key_note << '\n';
    });
}

}  // namespace gatehouse::daemon::cli
