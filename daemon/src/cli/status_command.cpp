#include "status_command.hpp"

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "control_client.hpp"
#include "exit_codes.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "ledger_location.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {
namespace {

using nlohmann::json;

struct StatusArgs {
    std::string config;
    std::string control;
    bool json = false;
};

std::string count(const json& v) { return v.is_null() ? "-" : v.dump(); }

void print_status(const json& s) {
    const Style style(stdout);
    std::cout << style.bold("gatehouse " + s["version"].get<std::string>()) << "  gateway " << s["gateway"].get<std::string>()
              << "  site " << s["site"].get<std::string>() << "  up " << s["uptime_s"].get<std::int64_t>() << " s\n";
    std::cout << "ledger " << s["ledger"]["path"].get<std::string>() << "\n\n";
    TextTable terminals({"TERMINAL", "GATE", "KIND", "STATE", "LAST SEEN", "LAST SEQ", "EVENTS", "FIRMWARE"});
    for (const auto& t : s["terminals"]) {
        const bool online = t["online"].get<bool>();
        const json& seen = t["last_seen_ms_ago"];
        terminals.add_row({t["id"].get<std::string>(), t["gate"].get<std::string>(), t["kind"].get<std::string>(),
                           online ? style.green("online") : style.red("offline"),
                           seen.is_null() ? "never" : std::to_string(seen.get<std::int64_t>() / 1000) + " s ago",
                           count(t["last_seq"]), count(t["events"]),
                           t["firmware"].get<std::string>().empty() ? "-" : t["firmware"].get<std::string>()});
    }
    terminals.print(std::cout, style);
    const json& c = s["counters"];
    std::cout << "\nframes " << c["frames"] << "  stored " << c["events_stored"] << "  duplicates "
              << c["events_duplicate"] << "  commits " << c["commits"] << " (largest batch " << c["largest_batch"]
              << ", failed " << c["commit_failures"] << ")  undeliverable replies " << c["replies_undeliverable"]
              << '\n';
    if (!c["errors"].empty()) {
        std::cout << "errors:";
        for (auto it = c["errors"].begin(); it != c["errors"].end(); ++it) std::cout << ' ' << it.key() << '=' << *it;
        std::cout << '\n';
    }
}

std::string control_endpoint_of(const StatusArgs& args) {
    if (!args.control.empty()) return args.control;
    return load_config_file(args.config.empty() ? kDefaultConfigPath : args.config).control_endpoint;
}

void add_control_options(CLI::App& cmd, StatusArgs& args) {
    cmd.add_option("--config,-c", args.config,
                   std::string("Configuration file naming the control socket (default ") + kDefaultConfigPath + ")");
    cmd.add_option("--control", args.control, "Control socket endpoint (overrides the configuration)");
}

}  // namespace

void register_status_command(CLI::App& app) {
    auto args = std::make_shared<StatusArgs>();
    auto* cmd = app.add_subcommand("status", "Show the running daemon's terminals and counters");
    add_control_options(*cmd, *args);
    cmd->add_flag("--json", args->json, "Print the raw status object");
    cmd->callback([args] {
        const json reply = control_request(control_endpoint_of(*args), {{"v", 1}, {"cmd", "status"}});
        if (args->json) {
            std::cout << reply["status"].dump(2) << '\n';
        } else {
            print_status(reply["status"]);
        }
    });

    auto reload_args = std::make_shared<StatusArgs>();
    auto* reload = app.add_subcommand("reload", "Ask the running daemon to reload its configuration (like SIGHUP)");
    add_control_options(*reload, *reload_args);
    reload->callback([reload_args] {
        const json reply = control_request(control_endpoint_of(*reload_args), {{"v", 1}, {"cmd", "reload"}});
        std::cout << reply.value("message", "reload requested") << '\n';
    });
}

}  // namespace gatehouse::daemon::cli
