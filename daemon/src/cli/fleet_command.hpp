#pragma once
namespace CLI {
class App;
}

namespace gatehouse::daemon::cli {

/// `gatehouse fleet keygen|publish|status`: the platform side of the fleet (docs/fleet-downlink.md): the site's
/// signing key, signed list and policy updates, and the status of every gateway of a site.
void register_fleet_command(CLI::App& app);

}  // namespace gatehouse::daemon::cli
