#pragma once
// The gateway's composition: its subsystems (started, stopped and reconfigured from one table) and its pipeline
// stages (admission → batch building → commit handling, driven by a reactor that only polls). Files:
//   gateway.cpp            the subsystem table: start-up, reload, teardown; the reactor loop and the final commit;
//   gateway_terminals.cpp  terminal frames through admission into the batch; commits handed to the commit handler;
//   gateway_access.cpp     access requests, camera screenings and their fusion, and the alerts they raise;
//   gateway_control.cpp    the control socket's requests, status and metrics;
//   gateway_forwarding.cpp the forwarder's figures turned into alerts;
//   gateway_security.cpp   CURVE keys and the ZAP handler's policy;
//   gateway_reports.cpp    the daily report upstream (its scheduler's reports into the batch);
//   gateway_adapters.cpp   vendor terminals' messages from the adapters' inbox into admission (docs/adapters.md).
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gatehouse/daemon/prometheus_text.hpp"
#include <zmq.hpp>

#include "gatehouse/daemon/adapters/adapter_inbox.hpp"
#include "gatehouse/daemon/adapters/adapter_server.hpp"
#include "gatehouse/daemon/admission.hpp"
#include "gatehouse/daemon/alert_book.hpp"
#include "gatehouse/daemon/alert_rules.hpp"
#include "gatehouse/daemon/batch_builder.hpp"
#include "gatehouse/daemon/camera_monitor.hpp"
#include "gatehouse/daemon/camera_reports.hpp"
#include "gatehouse/daemon/camera_runner.hpp"
#include "gatehouse/daemon/commit_handler.hpp"
#include "gatehouse/daemon/config_keys.hpp"
#include "gatehouse/daemon/console_publisher.hpp"
#include "gatehouse/daemon/fleet/fleet_link.hpp"
#include "gatehouse/daemon/forwarding/forwarder.hpp"
#include "gatehouse/daemon/gate_fusion.hpp"
#include "gatehouse/daemon/gateway.hpp"
#include "gatehouse/daemon/ingest_counters.hpp"
#include "gatehouse/daemon/ledger_lock.hpp"
#include "gatehouse/daemon/ledger_writer.hpp"
#include "gatehouse/daemon/message_boundary.hpp"
#include "gatehouse/daemon/metrics_server.hpp"
#include "gatehouse/daemon/pseudonymiser.hpp"
#include "gatehouse/daemon/rate_limited_log.hpp"
#include "gatehouse/daemon/reactor.hpp"
#include "gatehouse/daemon/reports/report_scheduler.hpp"
#include "gatehouse/daemon/retention_purger.hpp"
#include "gatehouse/daemon/systemd_notifier.hpp"
#include "gatehouse/daemon/terminal_registry.hpp"
#include "gatehouse/daemon/web/web_console.hpp"
#include "gatehouse/ipc/control_messages.hpp"
#include "gatehouse/ipc/terminal_endpoint.hpp"
#include "gatehouse/ipc/zap_handler.hpp"
#include "gatehouse/storage/ledger.hpp"

namespace gatehouse::daemon {

/// ZAP domain of the control socket (CURVE on TCP only).
inline constexpr const char* kControlZapDomain = "control";

/// The gateway's CURVE server key (Z85), empty on plaintext sockets; loaded (and its file mode checked) before
/// anything is opened.
struct ServerKey {
    std::string secret;
    std::string public_key;
};
ServerKey load_server_key(const GatewayConfig& config);
/// Who the ZAP handler admits on each socket: terminal keys → terminal ids, console keys, admin keys.
ipc::ZapPolicy zap_policy(const GatewayConfig& config);
/// Which topic prefixes each console (by id) may subscribe to.
ConsoleScopes console_scopes(const GatewayConfig& config);
/// The context's ZAP handler when the configuration uses CURVE (null otherwise); refused handshakes are logged,
/// rate-limited, with the peer's address.
std::unique_ptr<ipc::ZapHandler> start_zap_handler(zmq::context_t& context, const GatewayConfig& config);
/// The site secret's pseudonymiser when privacy.pseudonymise_upstream (throws ConfigError when it cannot be read).
std::optional<Pseudonymiser> load_pseudonymiser(const PrivacyConfig& privacy);

/// One part of the gateway that starts, stops and takes a changed configuration as a unit. The keys it applies,
/// live or at a restart, are in config_keys() under its name.
struct Subsystem {
    std::string_view name;
    std::function<void()> start;
    std::function<void()> stop;  ///< Idempotent; teardown always runs, in the reverse order of start.
    /// Applies the live keys of `next` that changed (the running configuration is still the old one). Throws when it
    /// cannot; it then leaves the subsystem as it was.
    std::function<void(const GatewayConfig& next)> apply;
};

/// What the ledger holds that start-up needs before the reactor runs.
struct LedgerStartState {
    std::map<std::string, std::int64_t> last_seq;
    std::int64_t last_alert_id = 0;
    std::int64_t last_screening_id = 0;
    std::vector<storage::AlertRecord> unclosed_alerts;
};

struct Gateway::Impl final : CommitOutputs {
    Impl(GatewayConfig c, GatewayHooks h);
    ~Impl() override;

    // gateway.cpp: the subsystem table, start-up, reload, the loop, stop.
    std::vector<Subsystem> subsystem_table();
    void start();
    void teardown() noexcept;
    ReloadReport reload();
    void run();
    void finish_on_stop();
    void submit_if_due(SteadyTime now, bool force);
    void check_terminals(SteadyTime now);
    std::string status_line(SteadyTime now);
    void feed_watchdog(SteadyTime now);
    std::uintmax_t ledger_size_bytes() const;
    void start_cameras(const GatewayConfig& c);
    void start_forwarding(const GatewayConfig& c);
    void update_zap_policy(const GatewayConfig& c);

    // gateway_terminals.cpp: terminal frames and commits.
    void drain_terminal_socket();
    void handle_frame(const ipc::InboundFrame& frame);
    void reply_error(const std::string& peer, const ipc::ProtocolError& error, const std::string& terminal);
    void on_admitted(const std::string& peer, Admitted& admitted);
    void on_event(const std::string& peer, const TerminalState& terminal, const ipc::Event& event);
    void on_commit_done();
    void after_commit(CommitReport report);
    void keep_unrecorded(storage::LedgerBatch records);
    std::size_t records_awaiting_storage() const;
    // CommitOutputs
    void to_terminal(const std::string& peer, const std::string& frame) override;
    void to_control(const std::string& routing_id, const std::string& body) override;
    void to_consoles(const std::string& topic, const std::string& body) override;

    // gateway_access.cpp: decisions, screenings, fusion, alerts.
    void on_access_request(const std::string& peer, const TerminalState& terminal, const ipc::AccessRequest& request);
    void decide(const ipc::AccessRequest& request, const std::string& peer, SteadyTime arrived,
                const storage::ScreeningRecord* screening, const std::string& temperature_unavailable);
    std::optional<storage::PersonListEntry> find_listed(storage::PersonListKind list, const std::string& person);
    RaisedAlert raise(const AlertDraft& draft, std::optional<std::int64_t> screening = std::nullopt);
    void raise_alert(const AlertDraft& draft, std::optional<std::int64_t> screening = std::nullopt);
    void raise_condition(AlertSpec spec);
    void clear_condition(const std::string& kind, const std::string& source, const std::string& note);
    void drain_camera_reports();
    void on_report(const CameraScreening& report);
    void on_report(const CameraHealthReport& report);
    void on_report(const CameraFault& report);
    void apply(const std::vector<CameraTransition>& transitions);
    void expire_fusion(SteadyTime now);
    std::optional<SteadyTime> next_fusion_deadline() const;
    void check_forwarding();
    /// Raises `upstream_down` for a sink failing longer than forwarding.upstream_down_after_s; closes it on success.
    void check_upstreams();

    // gateway_reports.cpp: the daily report upstream.
    /// Starts, reconfigures or stops the scheduler for configuration `c` (start-up, and a reload of [reports],
    /// gateway.timezone, the sinks or the pseudonyms).
    void start_report_scheduler(const GatewayConfig& c);
    /// Appends the reports the scheduler has ready, each with its outbox entry, to the open batch.
    void queue_scheduled_reports();
    nlohmann::json reports_status() const;

    // gateway_adapters.cpp: vendor terminals through the adapters.
    void drain_adapter_inbox();
    void start_adapters(const GatewayConfig& c);
    void reconfigure_adapters(const GatewayConfig& next);
    /// The adapters and their devices, for status (--json) and the metrics.
    nlohmann::json adapters_status() const;
    void adapters_metrics(PrometheusText& m) const;

    // daemon/src/fleet/gateway_fleet.cpp: the fleet link (docs/fleet-downlink.md).
    /// Starts, replaces or stops the link for configuration `c` (start-up and a reload of [fleet]).
    void start_fleet(const GatewayConfig& c);
    /// Republishes the retained status when it is due.
    void publish_fleet_status(SteadyTime now);
    nlohmann::json fleet_status_body() const;
    /// The gate's configured policy with the central policy the link holds applied.
    GatePolicy policy_of(const GateConfig& gate) const;

    // gateway_control.cpp: control socket, status, metrics.
    void serve_control();
    void serve_control_request(const std::string& routing_id, const zmq::message_t& request);
    bool admin_still_listed(const zmq::message_t& request) const;
    std::optional<std::string> answer(const std::string& routing_id, const ipc::ControlRequest& request);
    void send_control_reply(const std::string& routing_id, const std::string& body);
    nlohmann::json status() const;
    /// Failures contained at a message's boundary, by socket (the metrics server's included).
    std::map<std::string, std::uint64_t> internal_errors() const;
    std::string metrics_text() const;
    std::optional<std::string> fetch_metrics();
    nlohmann::json security_status() const;
    void log_security_posture() const;
    // gateway_security.cpp
    void start_terminal_monitor();
    void drain_terminal_monitor();

    GatewayConfig config;
    GatewayHooks hooks;
    ServerKey server_key;
    zmq::context_t context{1};
    MessageBoundary boundary;
    IngestCounters counters;
    RateLimitedLog log;
    std::atomic<bool> stop_requested{false};
    std::atomic<bool> reload_requested{false};
    SteadyTime started = SteadyClock::now();
    SystemdNotifier notifier;
    Reactor reactor{boundary};
    std::vector<Subsystem> subsystems;
    std::size_t started_subsystems = 0;

    // ledger
    std::optional<LedgerLock> ledger_lock;  ///< Held from before the ledger opens until after it closes.
    LedgerStartState start_state;
    std::unique_ptr<LedgerWriter> writer;
    std::optional<storage::Ledger> lists_reader;  ///< Read-only connection for list look-ups per decision.
    // sockets
    std::unique_ptr<ipc::ZapHandler> zap;  ///< Before any CURVE socket is bound: libzmq admits everyone without it.
    std::unique_ptr<ipc::TerminalEndpoint> terminals;
    /// CURVE only: libzmq's events of the terminal socket, to see the plaintext connections it refuses (no ZAP
    /// request is made for them, so nothing else would notice).
    std::unique_ptr<zmq::socket_t> terminal_monitor;
    std::uint64_t plaintext_refused = 0;
    std::unique_ptr<zmq::socket_t> control;
    std::string control_endpoint;  ///< As bound (a tcp port of 0 resolved).
    std::string control_inproc;  ///< Second endpoint of the control socket, for in-process clients (metrics).
    // terminals
    std::unique_ptr<TerminalRegistry> registry;
    std::unique_ptr<Admission> admission;
    // consoles
    std::unique_ptr<ConsolePublisher> consoles;
    std::string consoles_inproc;  ///< The console publication for in-process subscribers (the web console).
    // cameras (and the gates' fusion)
    CameraReportQueue camera_reports;
    CameraMonitor camera_monitor;
    std::map<std::string, GateFusion> fusion;  ///< Per gate that has a camera.
    std::vector<std::unique_ptr<CameraRunner>> cameras;
    // retention
    std::unique_ptr<RetentionPurger> retention;
    // forwarding
    std::optional<Pseudonymiser> pseudonymiser;
    std::unique_ptr<forwarding::Forwarder> forwarder;  ///< Null when forwarding is off.
    forwarding::ForwarderSnapshot forwarding;          ///< As of the last poll (about once a second).
    // reports
    std::unique_ptr<reports::ReportScheduler> report_scheduler;  ///< Own thread; null without [reports] or an alert-lane sink.
    // metrics
    std::unique_ptr<MetricsServer> metrics;
    // web
    std::unique_ptr<web::WebConsole> web_console;  ///< Null when [web] is off.
    // adapters
    adapters::AdapterInbox adapter_inbox;  ///< Outlives the listeners: the reactor watches it from the start.
    std::vector<std::unique_ptr<adapters::AdapterServer>> adapter_servers;
    // fleet
    std::unique_ptr<fleet::FleetLink> fleet;  ///< Null unless fleet.enabled.
    SteadyTime next_fleet_status{};

    // The pipeline.
    std::unique_ptr<AlertBook> alerts;
    std::int64_t last_screening_id = 0;
    BatchBuilder batch;
    CommitHandler commits{*this, counters, boundary};
    SteadyTime submitted_at{};  ///< When the batch in flight went to the writer.
    /// What failed commits could not record besides events (their terminals resend those): decisions, screenings,
    /// alerts and their outbox entries, retried ahead of the next batch until the ledger takes them.
    storage::LedgerBatch unrecorded;
    std::size_t unrecorded_in_flight = 0;  ///< Of those, handed to the writer with the batch it is committing.
    SteadyTime retry_unrecorded_at{};
    std::uint64_t stored_at_last_status = 0;
    SteadyTime last_status{};
};

}  // namespace gatehouse::daemon
