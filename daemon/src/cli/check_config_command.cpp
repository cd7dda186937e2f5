#include "check_config_command.hpp"

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "exit_codes.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {

void register_check_config_command(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("check-config", "Validate a configuration file without starting the daemon");
    cmd->add_option("file", *path, "Configuration file")->required();
    cmd->callback([path] {
        GatewayConfig c;
        try {
            c = load_config_file(*path);
        } catch (const ConfigError& e) {
            std::cerr << e.what() << '\n';
            finish(kExitConfig);
        }
        const Style style(stdout);
        std::cout << style.green("ok") << ": " << *path << ": gateway '" << c.gateway_id << "', " << c.gates.size()
                  << " gate(s), " << c.cameras.size() << " camera(s), " << c.terminals.size() << " terminal(s); terminals on " << c.terminal_endpoint
                  << ", ledger " << c.ledger_path.string() << '\n';
    });
}

}  // namespace gatehouse::daemon::cli
