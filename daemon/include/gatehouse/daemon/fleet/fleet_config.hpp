#pragma once
// `[fleet]`: the gateway's own connection to the site's MQTT brokers for the downlink (central lists and policy)
// and the fleet view (docs/fleet-downlink.md). Separate from the MQTT sink: its session, will and topics are its own.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

namespace gatehouse::daemon::fleet {

/// One node of the site's broker cluster.
struct FleetBroker {
    std::string host;
    int port = 1883;
    bool operator==(const FleetBroker&) const = default;
};

/// Off unless `enabled`; then brokers and the site public key are required.
struct FleetConfig {
    bool enabled = false;
    std::vector<FleetBroker> brokers;  ///< Tried in order; on loss the next one.
    std::string username;
    std::string password;   ///< From `password_file`.
    std::string ca_file;    ///< Set to enable TLS (verifies the broker against this CA).
    std::string cert_file;  ///< Client certificate, with key_file.
    std::string key_file;
    /// The site's Ed25519 public key (`gatehouse fleet keygen`): every downlink update must be signed with its secret.
    std::filesystem::path site_public_key_file;
    std::string topic_prefix = "gatehouse";
    std::chrono::milliseconds status_interval{5000};  ///< How often the retained status is republished.
    std::chrono::seconds keepalive{10};               ///< MQTT keepalive; the broker sends the will after 1.5 × this.
    std::chrono::milliseconds reconnect_max{5000};    ///< Longest wait between connection attempts.

    bool operator==(const FleetConfig&) const = default;
};

/// Reads and checks `[fleet]` (throws ConfigError naming FILE:LINE:COLUMN and the key); relative paths are resolved
/// against the configuration file's directory, and the public key file is read and checked.
FleetConfig read_fleet_config(const toml::table& table, const std::string& source);

/// "host:port" of a broker list entry; nullopt when it is not one.
std::optional<FleetBroker> parse_broker(const std::string& text);

}  // namespace gatehouse::daemon::fleet
