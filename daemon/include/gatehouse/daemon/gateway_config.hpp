#pragma once
// The daemon's configuration: one TOML file (config/gatehouse.toml is the annotated example).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gatehouse::daemon {

/// What a gate checks before it lets someone through, and what it does when a check cannot be made.
struct GatePolicy {
    bool require_temperature = true;   ///< A temperature reading must be available and below the threshold.
    bool require_health_code = true;   ///< A health code must be presented (green passes; yellow and red never do).
    bool require_list = false;         ///< The person must be on the allow list (白名单) and within its validity.
    double fever_threshold = 37.3;     ///< °C; at or above it the person is stopped (34.0–39.0 in 0.1 steps).
    /// What to do when a required check cannot be made (no reading, no health code): deny (fail secure)
    /// or allow and raise an alert.
    bool allow_when_unavailable = false;
};

/// A passage (turnstile lane, door) with its terminals.
struct GateConfig {
    std::string id;
    std::string name;
    std::string direction = "in";  ///< "in" or "out".
    GatePolicy policy;
};

/// A terminal the gateway accepts messages from; anything not listed is refused as unknown_terminal.
struct TerminalConfig {
    std::string id;
    std::string gate;
    std::string kind;  ///< What the installer says it is; the terminal's hello reports its own kind too.
};

/// Validated configuration. Defaults are what a production gate wants; see config/gatehouse.toml.
struct GatewayConfig {
    std::string source = "<defaults>";  ///< File the configuration came from (for messages).

    std::string gateway_id = "gatehouse";
    std::string site = "default";

    std::string terminal_endpoint = "tcp://127.0.0.1:5560";
    std::string control_endpoint = "ipc:///run/gatehouse/control.sock";

    std::size_t max_message_bytes = 64 * 1024;
    std::chrono::milliseconds heartbeat_interval{5000};
    std::chrono::milliseconds heartbeat_timeout{15000};
    /// How far (in seq numbers) an event may lie behind or ahead of the terminal's highest known seq.
    std::int64_t seq_window = 100000;

    std::filesystem::path ledger_path = "/var/lib/gatehouse/ledger.db";
    /// Group commit: how long the first event of a batch may wait for company before the commit.
    std::chrono::microseconds commit_window{0};
    std::size_t max_batch = 2000;
    /// Cap on the ledger file size in MiB; commits beyond it fail (storage_unavailable) until space is freed.
    std::optional<std::int64_t> ledger_max_size_mb;

    std::string log_level = "info";

    /// Prometheus endpoint HOST:PORT (GET /metrics); port 0 picks a free one; empty disables it.
    std::string metrics_listen = "127.0.0.1:9464";

    std::vector<GateConfig> gates;
    std::vector<TerminalConfig> terminals;

    const TerminalConfig* find_terminal(const std::string& id) const;
    const GateConfig* find_gate(const std::string& id) const;
};

/// Command-line overrides for the common keys; applied after the file, then validated with it.
struct ConfigOverrides {
    std::optional<std::string> terminal_endpoint;
    std::optional<std::string> control_endpoint;
    std::optional<std::filesystem::path> ledger_path;
    std::optional<std::string> log_level;
};

/// A configuration problem; the message reads "FILE:LINE:COLUMN: KEY: what is wrong".
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Parses and validates TOML text; `source_name` is used in error messages.
GatewayConfig parse_config(std::string_view toml_text, const std::string& source_name);
/// Reads, parses and validates a configuration file.
GatewayConfig load_config_file(const std::filesystem::path& path);
/// Applies overrides and re-validates them (throws ConfigError naming the option).
void apply_overrides(GatewayConfig& config, const ConfigOverrides& overrides);

}  // namespace gatehouse::daemon
