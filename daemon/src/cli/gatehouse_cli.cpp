// The `gatehouse` admin CLI: subcommands registered from their own files, errors mapped to exit codes.
#include <iostream>

#include <CLI/CLI.hpp>

#include "alerts_command.hpp"
#include "backup_command.hpp"
#include "check_config_command.hpp"
#include "control_client.hpp"
#include "demo_command.hpp"
#include "erase_command.hpp"
#include "exit_codes.hpp"
#include "gatehouse/daemon/cli.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/daemon/web/user_accounts.hpp"
#include "gatehouse/storage/ledger_error.hpp"
#include "gatehouse/version.hpp"
#include "gatehouse/ipc/curve_keys.hpp"
#include "history_command.hpp"
#include "keygen_command.hpp"
#include "fleet_command.hpp"
#include "gatehouse/daemon/fleet/mqtt_session.hpp"
#include "gatehouse/daemon/fleet/site_key.hpp"
#include "lists_command.hpp"
#include "query_command.hpp"
#include "report_command.hpp"
#include "screen_command.hpp"
#include "sim_command.hpp"
#include "status_command.hpp"
#include "synth_command.hpp"
#include "tail_command.hpp"
#include "terminals_command.hpp"
#include "users_command.hpp"

namespace gatehouse::daemon {

int gatehouse_cli_main(int argc, char** argv) {
    using namespace cli;
    CLI::App app{"gatehouse: administer a gatehouse edge gateway.\n"
                 "Query and export the ledger, watch the running daemon, simulate terminals, run the demo,\n"
                 "screen thermal recordings and generate synthetic gate scenes.",
                 "gatehouse"};
    app.set_version_flag("--version", std::string("gatehouse ") + kVersion);
    app.require_subcommand(1);
    register_query_commands(app);
    register_status_command(app);
    register_check_config_command(app);
    register_sim_command(app);
    register_demo_command(app);
    register_lists_command(app);
    register_history_command(app);
    register_screen_command(app);
    register_synth_command(app);
    register_alerts_command(app);
    register_tail_command(app);
    register_keygen_command(app);
    register_erase_command(app);
    register_report_command(app);
    register_users_command(app);
    register_backup_command(app);
    register_terminals_command(app);
    register_fleet_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::RuntimeError& e) {
        return e.get_exit_code();
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? kExitOk : kExitUsage;
    } catch (const storage::LedgerError& e) {
        std::cerr << "gatehouse: " << e.what() << '\n';
        switch (e.fault()) {
            case storage::LedgerFault::corrupt: return kExitDataError;
            case storage::LedgerFault::missing: return kExitNoInput;
            default: return kExitUnavailable;
        }
    } catch (const ipc::CurveKeyError& e) {
        std::cerr << "gatehouse: key error: " << e.what() << '\n';
        return kExitConfig;
    } catch (const web::UsersFileError& e) {
        std::cerr << "gatehouse: users file: " << e.what() << '\n';
        return kExitDataError;
    } catch (const ConfigError& e) {
        std::cerr << "gatehouse: configuration error: " << e.what() << '\n';
        return kExitConfig;
    } catch (const fleet::MqttSessionError& e) {
        std::cerr << "gatehouse: broker unavailable: " << e.what() << '\n';
        return kExitUnavailable;
    } catch (const fleet::SiteKeyError& e) {
        std::cerr << "gatehouse: site key: " << e.what() << '\n';
        return kExitConfig;
    } catch (const DaemonUnavailable& e) {
        std::cerr << "gatehouse: " << e.what() << '\n';
        return kExitUnavailable;
    } catch (const std::exception& e) {
        std::cerr << "gatehouse: error: " << e.what() << '\n';
        return kExitFailure;
    }
    return kExitOk;
}

}  // namespace gatehouse::daemon
