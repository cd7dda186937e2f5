#pragma once
// Entry points of the two executables; the mains only forward to these.

namespace gatehouse::daemon {

/// `gatehoused`: the service. Returns the process exit code.
int gatehoused_main(int argc, char** argv);
/// `gatehouse`: the admin CLI (query, export, status, sim, demo, check-config, ...).
int gatehouse_cli_main(int argc, char** argv);

}  // namespace gatehouse::daemon
