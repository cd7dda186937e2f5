#include "demo_command.hpp"

#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "demo_config.hpp"
#include "exit_codes.hpp"
#include "gatehouse/daemon/gateway.hpp"
#include "gatehouse/daemon/logging.hpp"
#include "gatehouse/daemon/terminal_simulator.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "query_command.hpp"
#include "sim_command.hpp"
#include "text_table.hpp"

namespace gatehouse::daemon::cli {
namespace {

struct DemoArgs {
    std::string dir = "/tmp/gatehouse-demo";
    double duration_s = 6;
    double rate = 12;
    int bad_every = 20;
};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
        text.replace(pos, from.size(), to);
    }
    return text;
}

int run(const DemoArgs& a) {
    std::filesystem::create_directories(a.dir);
    const std::filesystem::path config_path = std::filesystem::path(a.dir) / "gatehouse.toml";
    const std::string config_text = replace_all(kDemoConfig, "@DIR@", a.dir);
    std::ofstream(config_path) << config_text;
    GatewayConfig config = parse_config(config_text, config_path.string());
    configure_logging("info");

    const Style style(stdout);
    std::cout << style.bold("gatehouse demo") << ": gateway '" << config.gateway_id << "' with "
              << config.gates.size() << " gates and " << config.terminals.size()
              << " simulated terminals; configuration " << config_path.string() << "\n\n";

    GatewayHooks hooks;
    hooks.on_recorded = [&style](const storage::EventRecord& e, storage::AppendOutcome outcome) {
        const nlohmann::json data = nlohmann::json::parse(e.data_json, nullptr, false);
        std::string detail;
        for (auto it = data.begin(); it != data.end(); ++it) {
            if (it.key() != "person") detail += " " + it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump());
        }
        std::string kind = e.kind;
        if (e.data_json.find("\"red\"") != std::string::npos) kind = style.red(kind);
        else if (e.data_json.find("\"yellow\"") != std::string::npos) kind = style.yellow(kind);
        std::cout << style.green("recorded") << ' ' << ipc::format_utc_timestamp(e.occurred_ms) << "  "
                  << e.gate << "  " << e.terminal << " #" << e.seq << "  " << kind
                  << (e.person ? "  person=" + *e.person : "") << detail
                  << (outcome == storage::AppendOutcome::duplicate ? style.dim("  (duplicate)") : "") << '\n';
    };
    Gateway gateway(config, hooks);
    std::thread reactor([&gateway] { gateway.run(); });

    SimulatorOptions sim;
    sim.endpoint = gateway.terminal_endpoint();
    for (const auto& t : config.terminals) sim.terminal_ids.push_back(t.id);
    sim.rate = a.rate;
    sim.duration = std::chrono::milliseconds(static_cast<std::int64_t>(a.duration_s * 1000));
    sim.bad_every = a.bad_every;
    sim.oversize_bytes = config.max_message_bytes + 1024;
    SimulatorReport report;
    try {
        report = run_simulation(sim);
    } catch (...) {
        gateway.request_stop();
        reactor.join();
        throw;
    }
    gateway.request_stop();
    reactor.join();

    std::cout << '\n' << style.bold("simulated terminals") << " (bad messages are sent on purpose: each must get an error reply)\n";
    print_simulation_report(report);

    storage::Ledger ledger({config.ledger_path, /*read_only=*/true});
    std::cout << '\n' << style.bold("ledger") << ' ' << config.ledger_path.string() << ": " << ledger.event_count()
              << " events in total; the latest 8:\n";
    storage::EventFilter latest;
    latest.last = 8;
    print_events_table(ledger, latest);
    std::cout << "\nquery it yourself:\n  gatehouse query --ledger " << config.ledger_path.string()
              << " --kind health_code --last 20\n  gatehouse export --csv --ledger " << config.ledger_path.string()
              << " --out events.csv\n";
    return report.ok() ? kExitOk : kExitFailure;
}

}  // namespace

void register_demo_command(CLI::App& app) {
    auto a = std::make_shared<DemoArgs>();
    auto* cmd = app.add_subcommand("demo", "Run the gateway with simulated terminals on an embedded configuration");
    cmd->add_option("--dir", a->dir, "Working directory for the demo's configuration and ledger")->capture_default_str();
    cmd->add_option("--duration,-d", a->duration_s, "Seconds of simulated traffic")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--rate,-r", a->rate, "Events per second")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--bad-every", a->bad_every, "Every Nth message is malformed on purpose (0: none)")->capture_default_str();
    cmd->callback([a] { finish(run(*a)); });
}

}  // namespace gatehouse::daemon::cli
