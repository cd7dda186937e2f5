// Gateway: the fleet link (docs/fleet-downlink.md): started, replaced and stopped from the subsystem table; the
// retained status it republishes; the central policy it holds, applied to each gate's decisions.
#include "gateway/gateway_impl.hpp"

#include <spdlog/spdlog.h>

#include "gatehouse/daemon/fleet/site_key.hpp"
#include "gatehouse/version.hpp"

namespace gatehouse::daemon {

using json = nlohmann::json;

void Gateway::Impl::start_fleet(const GatewayConfig& c) {
    if (!c.fleet.enabled) {
        if (fleet) spdlog::info("fleet: link stopped (fleet.enabled = false)");
        fleet.reset();
        return;
    }
    // The key is read before the running link goes, so that a bad one leaves it as it was.
    (void)fleet::read_site_public_key(c.fleet.site_public_key_file);
    // One session per client id: the old link leaves (saying "offline, shutdown") before the new one connects.
    fleet.reset();
    // gateway.id, gateway.site and ledger.path wait for a restart: the running values are the ones in force.
    fleet = std::make_unique<fleet::FleetLink>(c.fleet, fleet::FleetIdentity{config.gateway_id, config.site, config.ledger_path});
    next_fleet_status = SteadyTime{};
}

void Gateway::Impl::publish_fleet_status(SteadyTime now) {
    if (!fleet || now < next_fleet_status) return;
    next_fleet_status = now + config.fleet.status_interval;
    fleet->publish_status(fleet_status_body());
}

json Gateway::Impl::fleet_status_body() const {
    json camera_states = json::array();
    for (const auto& [id, c] : camera_monitor.all()) camera_states.push_back({{"id", id}, {"gate", c.gate}, {"state", c.state}});
    json terminals_json = json::array();
    std::size_t online = 0;
    for (const auto& [id, t] : registry->all()) {
        terminals_json.push_back({{"id", id}, {"gate", t.config.gate}, {"online", t.online}});
        online += t.online ? 1 : 0;
    }
    json gates = json::array();
    for (const auto& g : config.gates) gates.push_back({{"id", g.id}, {"name", g.name}, {"camera", g.camera ? json(*g.camera) : json(nullptr)}});
    json backlog = json::array();
    if (forwarder) {
        for (const auto& s : forwarding.sinks) {
            backlog.push_back({{"sink", s.name}, {"unconfirmed", s.unconfirmed}, {"connected", s.connected}, {"dead_letters", s.dead_letters}});
        }
    }
    return {{"version", kVersion},
            {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(SteadyClock::now() - started).count()},
            {"gates", std::move(gates)},
            {"cameras", std::move(camera_states)},
            {"terminals", std::move(terminals_json)},
            {"terminals_online", online},
            {"alerts_open", alerts->unclosed().size()},
            {"backlog", std::move(backlog)}};
}

GatePolicy Gateway::Impl::policy_of(const GateConfig& gate) const {
    return fleet ? fleet->effective_policy(gate.id, gate.policy) : gate.policy;
}

}  // namespace gatehouse::daemon
