#pragma once
// The gateway's link to the site's broker cluster (docs/fleet-downlink.md): its own MQTT session (client id
// "<gateway>-fleet", clean session off, QoS 1) that takes signed list and policy updates down into the ledger and
// carries the gateway's status, held versions and refusals up. One network thread; on losing a broker it goes on
// with the next one of the list.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "gatehouse/daemon/fleet/downlink_update.hpp"
#include "gatehouse/daemon/fleet/fleet_config.hpp"

namespace gatehouse::daemon::fleet {

/// Who the link speaks for, and where the lists live.
struct FleetIdentity {
    std::string gateway_id;
    std::string site;
    std::filesystem::path ledger_path;
};

/// The topics of one site (prefix "gatehouse" by default).
struct FleetTopics {
    std::string prefix;
    std::string site;
    std::string downlink(DownlinkSubject subject) const { return prefix + "/" + site + "/downlink/" + to_string(subject); }
    std::string downlink_filter() const { return prefix + "/" + site + "/downlink/+"; }
    std::string status(const std::string& gateway) const { return prefix + "/" + site + "/status/" + gateway; }
    std::string status_filter() const { return prefix + "/" + site + "/status/+"; }
    std::string held(const std::string& gateway) const { return prefix + "/" + site + "/held/" + gateway; }
    std::string reports(const std::string& gateway) const { return prefix + "/" + site + "/downlink-report/" + gateway; }
    std::string reports_filter() const { return prefix + "/" + site + "/downlink-report/+"; }
};

/// What the link did so far (for status, metrics and the fleet view).
struct FleetFigures {
    bool connected = false;
    std::string broker;  ///< "host:port" of the current (or last tried) broker.
    std::uint64_t connects = 0;
    std::uint64_t applied = 0;
    std::map<std::string, std::uint64_t> refused;  ///< By reason.
    std::optional<DownlinkRefusal> last_refusal;
    std::map<std::string, std::int64_t> held;  ///< Version per subject ("allow", "deny", "policy").
};

class FleetLink {
public:
    /// Opens its own connection to the ledger, loads the held versions and policy, and starts connecting. Throws
    /// (std::runtime_error) when the site key cannot be read or the client cannot be made.
    FleetLink(const FleetConfig& config, FleetIdentity identity);
    /// Says "offline" (retained) on the status topic, disconnects cleanly and joins the thread.
    ~FleetLink();
    FleetLink(const FleetLink&) = delete;
    FleetLink& operator=(const FleetLink&) = delete;

    /// Publishes `status` (the gateway's view; the link adds its own part) as the retained status message.
    /// Thread-safe; dropped while disconnected (the next one after the reconnect replaces it).
    void publish_status(nlohmann::json status);
    /// `base` with the central policy held for `gate` applied. Thread-safe; cheap (one mutex).
    GatePolicy effective_policy(const std::string& gate, const GatePolicy& base) const;
    FleetFigures figures() const;
    /// The link's part of the status message and of `gatehouse status`.
    nlohmann::json figures_json() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gatehouse::daemon::fleet
