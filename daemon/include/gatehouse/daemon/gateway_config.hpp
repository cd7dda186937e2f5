#pragma once
// The daemon's configuration: one TOML file (config/gatehouse.toml is the annotated example).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "gatehouse/daemon/fleet/fleet_config.hpp"
#include "gatehouse/daemon/forwarding/forwarding_config.hpp"
#include "gatehouse/daemon/local_time_zone.hpp"
#include "gatehouse/daemon/adapters/adapter_config.hpp"
#include "gatehouse/daemon/web/web_config.hpp"

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
    /// How long a screening and a credential may lie apart and still belong to the same person: a request
    /// uses the oldest unused screening of the last window, or waits this long for one.
    std::chrono::milliseconds fusion_window{2000};

    bool operator==(const GatePolicy&) const = default;
};

/// A passage (turnstile lane, door) with its terminals.
struct GateConfig {
    std::string id;
    std::string name;
    std::string direction = "in";  ///< "in" or "out".
    GatePolicy policy;
    std::optional<std::string> camera;  ///< Id of the camera screening this gate (from [[cameras]]).

    bool operator==(const GateConfig&) const = default;
};

/// A thermal camera screening the people at one gate.
struct CameraConfig {
    std::string id;
    std::string gate;
    std::string source;             ///< v4l2:/dev/videoN, dir:PATH, cptv:FILE, synthetic:NAME|FILE.
    std::optional<double> fps;      ///< dir: frame rate; v4l2: requested rate.
    bool loop = false;              ///< Replay a finite source (file, directory, synthetic) from the start when it ends.
    bool realtime = true;           ///< Pace replayed frames at their own rate (a live camera paces itself).
    std::string units = "centikelvin";  ///< Raw units: centikelvin or linear (gain/offset).
    double gain = 0.01;
    double offset = 0.0;
    int rotate = 0;
    bool mirror = false;
    std::string reference;          ///< Blackbody: "X,Y,W,H@C", "circle:X,Y,W,H@C", "auto@C" or empty (none).
    std::optional<double> threshold;///< °C; unset: the gate's fever_threshold.
    double body_offset = 0.0;
    bool adaptive = false;
    std::optional<std::filesystem::path> snapshot_dir;  ///< Unset: "snapshots/<camera>" beside the ledger.
    /// No frame for this long counts as a camera fault (the source is stuck).
    std::chrono::milliseconds stall_timeout{3000};
    std::chrono::milliseconds max_backoff{30000};  ///< Longest wait between restarts of a failing camera.

    bool operator==(const CameraConfig&) const = default;
};

/// A terminal the gateway accepts messages from; anything not listed is refused as unknown_terminal.
struct TerminalConfig {
    std::string id;
    std::string gate;
    std::string kind;  ///< What the installer says it is; the terminal's hello reports its own kind too.
    /// Z85 CURVE public key the terminal authenticates with; its connection may then speak only for this id.
    /// Empty: the terminal cannot connect to a CURVE socket.
    std::string public_key;

    bool operator==(const TerminalConfig&) const = default;
};

/// `[[consoles]]`: a monitoring console allowed on a CURVE console socket, and what it may subscribe to.
struct ConsoleClientConfig {
    std::string id;
    std::string public_key;           ///< Z85
    std::vector<std::string> topics;  ///< Topic prefixes it may subscribe to (a subscription must start with one).
    bool operator==(const ConsoleClientConfig&) const = default;
};

/// `[[admins]]`: an administrator's CLI allowed on a TCP (CURVE) control socket.
struct AdminClientConfig {
    std::string id;
    std::string public_key;  ///< Z85

    bool operator==(const AdminClientConfig&) const = default;
};

/// `[security]`: CURVE on every TCP socket the gateway binds (docs/security.md).
struct SecurityConfig {
    /// The gateway's CURVE secret key (mode 0600); set: every TCP socket is a CURVE server.
    std::optional<std::filesystem::path> secret_key_file;
    /// Lab only: TCP sockets without CURVE (anyone on the network can connect); warned about at every start.
    bool insecure_plaintext = false;

    bool curve() const { return secret_key_file.has_value(); }

    bool operator==(const SecurityConfig&) const = default;
};

/// `[retention]`: how long each kind of record stays in the ledger, and how the purge paces itself.
struct RetentionConfig {
    int events_days = 14;
    int screenings_days = 14;
    int decisions_days = 14;
    int alerts_days = 30;     ///< Closed alerts; open and acknowledged ones are kept until closed.
    int snapshots_days = 7;   ///< Evidence images; at most screenings_days (a snapshot is part of its screening).
    std::int64_t batch_size = 500;  ///< Rows per kind per transaction: what one purge transaction may delete.
    /// Pause between two batches while there is a backlog, so group commits get the lock in between.
    std::chrono::milliseconds batch_pause{20};
    /// Time between purge rounds once nothing more is due.
    std::chrono::seconds interval{60};
    bool operator==(const RetentionConfig&) const = default;
};

/// `[privacy]`: what leaves the gateway about a person.
struct PrivacyConfig {
    /// Upstream records and chat alerts carry HMAC-SHA256(site secret, person id) instead of the id.
    bool pseudonymise_upstream = false;
    /// File holding the site secret (at least 16 bytes; mode 0600 or stricter). Required with pseudonymise_upstream.
    std::optional<std::filesystem::path> site_secret_file;
    bool operator==(const PrivacyConfig&) const = default;
};

/// `[reports]`: the daily report sent upstream by the daemon itself (docs/reports.md).
struct ReportsConfig {
    /// Local time (minutes after midnight, in gateway.timezone) at which the previous day's report goes through
    /// the outbox to the sinks that take the alert lane; unset: no scheduled report.
    std::optional<int> daily_upstream_minutes;
    bool operator==(const ReportsConfig&) const = default;
};

/// Validated configuration. Defaults are what a production gate wants; see config/gatehouse.toml.
struct GatewayConfig {
    std::string source = "<defaults>";  ///< File the configuration came from (for messages).

    std::string gateway_id = "gatehouse";
    std::string site = "default";
    /// `gateway.timezone`: the IANA zone that defines a local day for reports and history (the ledger keeps UTC);
    /// empty: the system's zone. Checked at load; time_zone() resolves it.
    std::string timezone;

    std::string terminal_endpoint = "tcp://127.0.0.1:5560";
    std::string control_endpoint = "ipc:///run/gatehouse/control.sock";
    /// PUB socket monitoring consoles subscribe to (alerts, decisions, screenings, events); empty disables it.
    std::string console_endpoint = "tcp://127.0.0.1:5561";

    std::size_t max_message_bytes = 64 * 1024;
    std::chrono::milliseconds heartbeat_interval{5000};
    std::chrono::milliseconds heartbeat_timeout{15000};
    /// How far (in seq numbers) an event may lie behind or ahead of the terminal's highest known seq.
    std::int64_t seq_window = 100000;
    /// Messages queued per console before a slow console starts losing them (ZMQ_SNDHWM).
    int console_queue = 10000;
    /// Per-terminal token bucket: sustained messages per second and burst; 0 disables the limit.
    double terminal_rate = 2000;
    std::int64_t terminal_burst = 20000;
    /// Events whose ts lies further than this ahead of the gateway's clock are refused (ts_in_future).
    std::chrono::seconds max_future_skew{300};

    std::filesystem::path ledger_path = "/var/lib/gatehouse/ledger.db";
    /// Group commit: how long the first event of a batch may wait for company before the commit.
    std::chrono::microseconds commit_window{0};
    std::size_t max_batch = 2000;
    /// Cap on the ledger file size in MiB; commits beyond it fail (storage_unavailable) until space is freed.
    std::optional<std::int64_t> ledger_max_size_mb;

    std::string log_level = "info";

    /// Prometheus endpoint HOST:PORT (GET /metrics); port 0 picks a free one; empty disables it.
    std::string metrics_listen = "127.0.0.1:9464";

    /// Raise a `denied` alert for denials that raise no more specific alert (not on list, deny list, ...).
    bool alert_on_denied = true;
    /// Raise a `tailgating` alert when more people were screened than credentials presented.
    bool alert_on_tailgating = true;

    std::vector<GateConfig> gates;
    std::vector<CameraConfig> cameras;
    std::vector<TerminalConfig> terminals;
    std::vector<ConsoleClientConfig> console_clients;
    std::vector<AdminClientConfig> admins;
    SecurityConfig security;

    RetentionConfig retention;
    PrivacyConfig privacy;
    ReportsConfig reports;

    /// `[forwarding]`: upstream sinks and the outbox's limits; inactive unless sinks are configured.
    forwarding::ForwardingConfig forwarding;

    /// The zone `timezone` names (the system's when empty).
    LocalTimeZone time_zone() const { return LocalTimeZone::from_setting(timezone); }
    /// `[web]`: the web console (docs/console.md); disabled unless web.listen is set.
    web::WebConfig web;
    /// `[[adapters]]`: HTTP listeners for Hikvision and ZKTeco terminals (docs/adapters.md); none by default.
    std::vector<adapters::AdapterConfig> adapters;
    /// `[fleet]`: the downlink of central lists and policy and the fleet view (docs/fleet-downlink.md); off by default.
    fleet::FleetConfig fleet;

    const TerminalConfig* find_terminal(const std::string& id) const;
    const GateConfig* find_gate(const std::string& id) const;
    const CameraConfig* find_camera(const std::string& id) const;
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
/// Refuses (ConfigError) a configuration that binds a TCP socket with neither CURVE nor insecure_plaintext, or a
/// TCP control socket nobody is allowed on. Checked at start-up and by check-config, after the overrides.
void check_transport_security(const GatewayConfig& config);

}  // namespace gatehouse::daemon
