// gatehoused: load configuration → open ledger → bind sockets → serve until SIGTERM/SIGINT.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include "../cli/exit_codes.hpp"
#include "../cli/ledger_location.hpp"
#include "gatehouse/daemon/cli.hpp"
#include "gatehouse/daemon/gateway.hpp"
#include "gatehouse/daemon/ledger_lock.hpp"
#include "gatehouse/daemon/logging.hpp"
#include "gatehouse/daemon/private_files.hpp"
#include "gatehouse/storage/ledger_error.hpp"
#include "gatehouse/version.hpp"

namespace gatehouse::daemon {
namespace {

using namespace cli;

// Signals are blocked in every thread and taken synchronously by one watcher thread, so no handler runs in
// async-signal context and no global flag is needed. SIGHUP reloads; SIGTERM and SIGINT stop.
class SignalWatcher {
public:
    explicit SignalWatcher(Gateway& gateway) {
        thread_ = std::thread([this, &gateway] {
            for (;;) {
                int signal = 0;
                sigwait(&set_, &signal);
                if (signal == SIGUSR2) return;  // our own wake-up at shutdown
                if (signal == SIGHUP) {
                    spdlog::info("received SIGHUP, reloading the configuration");
                    gateway.request_reload();
                    continue;
                }
                spdlog::info("received {}, stopping", strsignal(signal));
                gateway.request_stop();
            }
        });
    }
    ~SignalWatcher() {
        pthread_kill(thread_.native_handle(), SIGUSR2);
        thread_.join();
    }
    static sigset_t block_signals() {
        sigset_t set;
        sigemptyset(&set);
        for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR2}) sigaddset(&set, s);
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        return set;
    }

private:
    sigset_t set_ = block_signals();
    std::thread thread_;
};

}  // namespace

int gatehoused_main(int argc, char** argv) {
    // Before any thread exists (libzmq starts its own), so every thread inherits the blocked mask and the
    // watcher is the only one to receive SIGTERM.
    SignalWatcher::block_signals();
    CLI::App app{"gatehoused: the gatehouse edge gateway service.\n"
                 "Receives gate-terminal events over ZeroMQ, records them durably in the SQLite ledger and acks\n"
                 "them. SIGHUP reloads the configuration (an invalid file is rejected and the running one stays);\n"
                 "SIGTERM or SIGINT stop it after committing and acking what it has received. Under systemd\n"
                 "(Type=notify) it reports READY, STATUS and WATCHDOG.",
                 "gatehoused"};
    std::string config_path = kDefaultConfigPath;
    ConfigOverrides overrides;
    app.add_option("--config,-c", config_path, std::string("Configuration file (default ") + kDefaultConfigPath + ")");
    app.add_option_function<std::string>("--listen", [&](const std::string& v) { overrides.terminal_endpoint = v; },
                                         "Terminal endpoint, overrides listen.terminals");
    app.add_option_function<std::string>("--control", [&](const std::string& v) { overrides.control_endpoint = v; },
                                         "Control endpoint, overrides listen.control");
    app.add_option_function<std::string>("--ledger", [&](const std::string& v) { overrides.ledger_path = v; },
                                         "Ledger database file, overrides ledger.path");
    app.add_option_function<std::string>("--log-level", [&](const std::string& v) { overrides.log_level = v; },
                                         "trace, debug, info, warn, error (overrides log.level)");
    app.set_version_flag("--version", std::string("gatehoused ") + kVersion);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? kExitOk : kExitUsage;
    }

    // Before anything is created: the ledger, its -wal/-shm and the snapshots are the service user's alone,
    // also when the daemon is started by hand rather than by the unit (UMask=0077).
    restrict_umask();
    GatewayConfig config;
    try {
        config = load_config_file(config_path);
        apply_overrides(config, overrides);
        check_transport_security(config);
        configure_logging(config.log_level);
    } catch (const std::exception& e) {
        std::cerr << "gatehoused: configuration error: " << e.what() << '\n';
        return kExitConfig;
    }
    std::unique_ptr<Gateway> gateway;
    try {
        GatewayHooks hooks;
        hooks.reload_config = [config_path, overrides] {
            GatewayConfig next = load_config_file(config_path);
            apply_overrides(next, overrides);
            return next;
        };
        gateway = std::make_unique<Gateway>(config, hooks);
    } catch (const LedgerInUse& e) {
        spdlog::critical("start-up refused: {}", e.what());
        return kExitLedgerInUse;
    } catch (const storage::LedgerError& e) {
        spdlog::critical("cannot open the ledger: {}", e.what());
        return e.fault() == storage::LedgerFault::corrupt ? kExitDataError : kExitUnavailable;
    } catch (const ConfigError& e) {
        spdlog::critical("start-up failed: {}", e.what());
        return kExitConfig;
    } catch (const std::exception& e) {
        spdlog::critical("start-up failed: {}", e.what());
        return kExitUnavailable;
    }
    try {
        SignalWatcher watcher(*gateway);
        gateway->run();
    } catch (const std::exception& e) {
        spdlog::critical("gateway failed: {}", e.what());
        return kExitSoftware;
    }
    return kExitOk;
}

}  // namespace gatehouse::daemon
