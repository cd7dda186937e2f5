#pragma once
#include <string>

#include "gatehouse/daemon/terminal_simulator.hpp"

namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// `gatehouse sim`: simulated terminals against a running gateway, with an ack report.
void register_sim_command(CLI::App& app);

/// Prints a simulation report as a short human summary.
void print_simulation_report(const SimulatorReport& report);

}  // namespace gatehouse::daemon::cli
