#include "sim_command.hpp"

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include <CLI/CLI.hpp>

#include "curve_client_options.hpp"
#include "exit_codes.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "ledger_location.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {
namespace {

struct SimArgs {
    std::string config;
    std::string endpoint;
    std::vector<std::string> terminal_ids;
    std::size_t terminals = 0;
    double rate = 100;
    double duration_s = 10;
    std::int64_t count = 0;
    int bad_every = 0;
    std::size_t window = 512;
    bool json = false;
    std::string key_file;
    std::string key_dir;
    std::string server_key;
    bool production = false;
};

/// Why a configuration looks like a real gate's rather than a demo or test one: what the simulator's fake people
/// would reach (the service's ledger, the upstream, the duty chat). Empty when it looks like a demo.
std::vector<std::string> production_signs(const GatewayConfig& config, const std::filesystem::path& file) {
    std::vector<std::string> signs;
    const auto absolute = std::filesystem::absolute(file).lexically_normal();
    if (absolute == std::filesystem::path(kDefaultConfigPath)) signs.push_back("it is the service's " + absolute.string());
    const auto service_ledger = GatewayConfig{}.ledger_path;
    if (std::filesystem::absolute(config.ledger_path).lexically_normal().parent_path() == service_ledger.parent_path()) {
        signs.push_back("its ledger " + config.ledger_path.string() + " is the service's");
    }
    if (config.forwarding.active()) {
        std::string sinks;
        for (const auto& sink : config.forwarding.sinks) sinks += (sinks.empty() ? "" : ", ") + sink.name;
        signs.push_back("it forwards upstream (" + sinks + "): fake people would reach the campus platform and chat robots");
    }
    return signs;
}

/// The simulator writes fake people into the gateway's ledger and, through it, upstream: it runs against a demo or
/// test gateway unless told explicitly that the target is a real one.
void refuse_production(const SimArgs& a, const GatewayConfig* config, const std::string& config_file) {
    if (a.production) return;
    std::vector<std::string> signs;
    if (config) {
        signs = production_signs(*config, config_file);
    } else {
        signs.push_back("without --config the simulator cannot tell whether " + a.endpoint + " is a real gate");
    }
    if (signs.empty()) return;
    std::cerr << "gatehouse sim: refusing to simulate against what looks like a production gateway:\n";
    for (const auto& s : signs) std::cerr << "  - " << s << '\n';
    std::cerr << "The simulator's events and decisions are recorded in the gateway's ledger as if real people had passed,\n"
                 "forwarded upstream and paged. Use `gatehouse demo`, or a test configuration with its own ledger and\n"
                 "no [forwarding]; pass --i-know-this-is-production to go ahead anyway.\n";
    finish(kExitUsage);
}

// --key FILE for a single terminal, or --keys DIR with DIR/ID.key per terminal; the server key from --server-key
// or the configuration.
void add_curve_keys(const SimArgs& a, const GatewayConfig* config, SimulatorOptions& o) {
    if (a.key_file.empty() && a.key_dir.empty()) {
        if (!a.server_key.empty()) throw ConfigError("--server-key needs --key or --keys (the terminals' own keys)");
        // Without a key the CURVE handshake fails before any message: the gateway would answer nothing at all.
        if (config && config->security.curve() && o.endpoint.rfind("tcp://", 0) == 0) {
            throw CLI::ValidationError("--keys", "the gateway's terminal socket " + o.endpoint + " uses CURVE (" +
                                                     config->source + ": security.secret_key_file): give each simulated "
                                                     "terminal its key, --keys DIR (DIR/ID.key per terminal) or --key FILE");
        }
        return;
    }
    if (!a.key_file.empty() && o.terminal_ids.size() != 1) {
        throw CLI::ValidationError("--key", "one key file is one terminal's identity; use --keys DIR for " +
                                                std::to_string(o.terminal_ids.size()) + " terminals");
    }
    o.server_public_key = !a.server_key.empty() ? ipc::load_public_key(a.server_key)
                          : config             ? server_public_key_from(*config)
                                               : throw ConfigError("--key/--keys need --server-key or --config");
    for (const auto& id : o.terminal_ids) {
        const std::filesystem::path file =
            !a.key_file.empty() ? std::filesystem::path(a.key_file) : std::filesystem::path(a.key_dir) / (id + ".key");
        o.terminal_keys[id] = ipc::load_secret_key_file(file);
    }
}

int run(const SimArgs& a) {
    SimulatorOptions o;
    o.rate = a.rate;
    o.count = a.count;
    o.duration = std::chrono::milliseconds(static_cast<std::int64_t>(a.duration_s * 1000));
    o.bad_every = a.bad_every;
    o.window = a.window;
    o.terminal_ids = a.terminal_ids;
    std::optional<GatewayConfig> loaded;
    if (!a.config.empty() || a.endpoint.empty() || o.terminal_ids.empty()) {
        const GatewayConfig& config = loaded.emplace(load_config_file(a.config.empty() ? kDefaultConfigPath : a.config));
        o.endpoint = config.terminal_endpoint;
        o.oversize_bytes = config.max_message_bytes + 1024;
        if (o.terminal_ids.empty()) {
            const std::size_t n = a.terminals == 0 ? config.terminals.size() : a.terminals;
            if (n > config.terminals.size()) {
                throw CLI::ValidationError("--terminals", std::to_string(n) + " requested but " + config.source +
                                                              " configures only " +
                                                              std::to_string(config.terminals.size()));
            }
            for (std::size_t i = 0; i < n; ++i) o.terminal_ids.push_back(config.terminals[i].id);
        }
    }
    if (!a.endpoint.empty()) o.endpoint = a.endpoint;
    refuse_production(a, loaded ? &*loaded : nullptr, a.config.empty() ? kDefaultConfigPath : a.config);
    add_curve_keys(a, loaded ? &*loaded : nullptr, o);
    if (!a.json) {
        std::fprintf(stderr, "simulating %zu terminal(s) against %s at %s events/s for %.0f s...\n",
                     o.terminal_ids.size(), o.endpoint.c_str(), a.rate > 0 ? std::to_string(static_cast<int>(a.rate)).c_str() : "max",
                     a.duration_s);
    }
    const SimulatorReport report = run_simulation(o);
    if (a.json) {
        std::cout << report.to_json().dump() << '\n';
    } else {
        print_simulation_report(report);
    }
    return report.ok() ? kExitOk : kExitFailure;
}

}  // namespace

void print_simulation_report(const SimulatorReport& r) {
    const Style style(stdout);
    TextTable table({"SENT", "ACKED", "DUPLICATES", "EVENT ERRORS", "BAD SENT", "BAD ANSWERED", "UNACKED",
                     "ACKED/S", "P50 MS", "P99 MS", "MAX MS"});
    char rate[32], p50[32], p99[32], max[32];
    std::snprintf(rate, sizeof rate, "%.0f", r.acked_per_second());
    std::snprintf(p50, sizeof p50, "%.3f", r.p50_ms);
    std::snprintf(p99, sizeof p99, "%.3f", r.p99_ms);
    std::snprintf(max, sizeof max, "%.3f", r.max_ms);
    table.add_row({std::to_string(r.sent), std::to_string(r.acked), std::to_string(r.duplicates),
                   std::to_string(r.event_errors), std::to_string(r.bad_sent), std::to_string(r.bad_answered),
                   r.unacked ? style.red(std::to_string(r.unacked)) : "0", rate, p50, p99, max});
    table.print(std::cout, style);
    if (!r.error_codes.empty()) {
        std::cout << "error replies:";
        for (const auto& [code, n] : r.error_codes) std::cout << ' ' << code << '=' << n;
        std::cout << '\n';
    }
    std::cout << (r.ok() ? style.green("every event acked, every bad message answered")
                         : style.red("NOT every event was acked or every bad message answered"))
              << '\n';
}

void register_sim_command(CLI::App& app) {
    auto a = std::make_shared<SimArgs>();
    auto* cmd = app.add_subcommand(
        "sim", "Simulate gate terminals sending events to a running gateway: a demo or test one (it refuses a gateway\n"
               "that looks like a real gate unless --i-know-this-is-production)");
    cmd->add_option("--config,-c", a->config, "Configuration to take the endpoint and terminal ids from");
    cmd->add_option("--endpoint", a->endpoint, "Gateway terminal endpoint (overrides the configuration)");
    cmd->add_option("--terminal", a->terminal_ids, "Terminal id to simulate (repeatable; default: configured ones)");
    cmd->add_option("--terminals,-n", a->terminals, "Simulate the first N configured terminals");
    cmd->add_option("--rate,-r", a->rate, "Events per second across all terminals; 0 = as fast as acks allow")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--duration,-d", a->duration_s, "Seconds to send for (default 10)")->check(CLI::PositiveNumber);
    cmd->add_option("--count", a->count, "Stop after this many events")->check(CLI::NonNegativeNumber);
    cmd->add_option("--bad-every", a->bad_every, "Make every Nth message a bad one (all bad-input classes in turn)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--window", a->window, "Unacked events allowed per terminal (default 512)")
        ->check(CLI::PositiveNumber);
    cmd->add_flag("--json", a->json, "Print the report as one JSON object");
    cmd->add_option("--key", a->key_file, "CURVE secret key file of the (single) simulated terminal");
    cmd->add_option("--keys", a->key_dir, "Directory with a CURVE secret key file ID.key per simulated terminal");
    cmd->add_option("--server-key", a->server_key,
                    "The gateway's public key (Z85 or a .pub file); default: from the configuration");
    cmd->add_flag("--i-know-this-is-production", a->production,
                  "Run although the target looks like a real gate (the service's configuration or ledger, or forwarding "
                  "upstream): the simulated people are recorded and forwarded as real ones");
    cmd->callback([a] { finish(run(*a)); });
}

}  // namespace gatehouse::daemon::cli
