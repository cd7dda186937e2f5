#pragma once
// The gateway's state and reactor, shared by the files that implement it:
//   gateway.cpp           start-up, the reactor loop, terminal ingest, commits and acks, reload, stop;
//   gateway_access.cpp    access requests, camera screenings and their fusion, alerts;
//   gateway_control.cpp   the control socket's commands, status and metrics;
//   gateway_security.cpp  CURVE keys, the ZAP handler's policy, who may speak for which terminal, rate and ts limits.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "gatehouse/daemon/access_policy.hpp"
#include "gatehouse/daemon/alert_book.hpp"
#include "gatehouse/daemon/camera_monitor.hpp"
#include "gatehouse/daemon/camera_runner.hpp"
#include "gatehouse/daemon/console_publisher.hpp"
#include "gatehouse/daemon/forwarding/forwarder.hpp"
#include "gatehouse/daemon/gate_fusion.hpp"
#include "gatehouse/daemon/gateway.hpp"
#include "gatehouse/daemon/ingest_counters.hpp"
#include "gatehouse/daemon/ledger_writer.hpp"
#include "gatehouse/daemon/metrics_server.hpp"
#include "gatehouse/daemon/pseudonymiser.hpp"
#include "gatehouse/daemon/retention_purger.hpp"
#include "gatehouse/daemon/rate_limited_log.hpp"
#include "gatehouse/daemon/systemd_notifier.hpp"
#include "gatehouse/daemon/terminal_registry.hpp"
#include "gatehouse/daemon/token_bucket.hpp"
#include "gatehouse/ipc/terminal_endpoint.hpp"
#include "gatehouse/ipc/zap_handler.hpp"
#include "gatehouse/storage/ledger.hpp"

namespace gatehouse::daemon {

using Clock = std::chrono::steady_clock;

/// What start-up reads from the ledger before the reactor runs.
/// Who an upstream record is about, beside its body: the outbox keeps the real ids in columns of their own
/// (for `gatehouse erase`); the body gets the pseudonym when pseudonymisation is on.
struct UpstreamSubject {
    std::optional<std::string> person;
    std::optional<std::int64_t> screening;
    /// An alert's text as the upstream reads it (the person named by pseudonym); unset: the alert's own text.
    std::optional<std::string> upstream_text;
};

struct LedgerStartState {
    std::map<std::string, std::int64_t> last_seq;
    std::int64_t last_alert_id = 0;
    std::int64_t last_screening_id = 0;
    std::vector<storage::AlertRecord> unclosed_alerts;
};

/// The gateway's CURVE server key (Z85), empty on plaintext sockets; loaded (and its file mode checked) before
/// anything is bound.
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

// Declaration order matters: the context outlives every socket and camera thread, and the writer (which owns
// the ledger) is destroyed before the sockets that carry its acks.
struct Gateway::Impl {
    GatewayConfig config;
    GatewayHooks hooks;
    zmq::context_t context{1};
    ServerKey server_key;
    // Before any CURVE socket is bound: libzmq admits every client while no ZAP handler is bound.
    std::unique_ptr<ipc::ZapHandler> zap;
    ipc::TerminalEndpoint terminals;
    zmq::socket_t control{context, zmq::socket_type::router};
    zmq::socket_t camera_reports{context, zmq::socket_type::pull};
    std::string camera_reports_endpoint;
    std::optional<ConsolePublisher> consoles;
    TerminalRegistry registry;
    LedgerWriter writer;
    IngestCounters counters;
    RateLimitedLog peer_log;
    std::map<std::string, TokenBucket> rate_buckets;  ///< per configured terminal, by id
    AlertBook alerts;
    std::int64_t last_screening_id = 0;
    std::map<std::string, GateFusion> fusion;  ///< per gate that has a camera
    CameraMonitor camera_monitor;
    std::atomic<bool> stop_requested{false};
    std::atomic<bool> reload_requested{false};
    Clock::time_point started = Clock::now();
    SystemdNotifier notifier;
    Clock::time_point submitted_at{};  // when the batch in flight went to the writer
    std::uint64_t stored_at_last_status = 0;
    Clock::time_point last_status{};
    std::optional<storage::Ledger> lists_reader;  // read-only connection for list look-ups per decision
    std::string control_inproc;                 // second endpoint of the control socket, for in-process clients
    std::string consoles_inproc;                // the console publication for in-process subscribers (web console)
    std::unique_ptr<MetricsServer> metrics;
    std::vector<std::unique_ptr<CameraRunner>> cameras;  // stopped before anything they report to
    std::unique_ptr<forwarding::Forwarder> forwarder;     // null when forwarding is off
    forwarding::ForwarderSnapshot forwarding;             // as of the last poll (about once a second)
    std::optional<Pseudonymiser> pseudonymiser;           // set when privacy.pseudonymise_upstream
    std::unique_ptr<RetentionPurger> retention;           // own thread and connection

    // The open group-commit batch, filled while the writer commits the previous one.
    LedgerWriteBatch pending;
    Clock::time_point pending_deadline{};
    // What failed commits could not record besides events (their terminals resend those): decisions, screenings,
    // alerts and their outbox entries, retried ahead of the next batch until the ledger takes them.
    storage::LedgerBatch unrecorded;
    std::size_t unrecorded_in_flight = 0;  // of those, handed to the writer with the batch it is committing
    Clock::time_point retry_unrecorded_at{};
    /// Decisions, screenings and alerts waiting for the ledger, including those in the commit under way.
    std::size_t records_awaiting_storage() const;

    Impl(GatewayConfig c, GatewayHooks h, ServerKey key, storage::Ledger ledger, LedgerStartState start);

    // gateway.cpp: ingest, commits, loop.
    void run();
    void reload();
    void handle_frame(ipc::InboundFrame& frame);
    /// Checks who sent a decoded message before it is handled: the connection's CURVE identity must match the
    /// terminal id it names, the terminal within its rate, an event's ts not far in the future. False: refused
    /// (error reply sent and counted).
    bool admit(const ipc::InboundFrame& frame, const ipc::DecodedMessage& message);
    void log_security_posture() const;
    nlohmann::json security_status() const;
    void handle(const std::string& peer, const ipc::ProtocolError& error);
    void handle(const std::string& peer, const ipc::Hello& hello);
    void handle(const std::string& peer, const ipc::Heartbeat& heartbeat);
    void handle(const std::string& peer, ipc::Event& event);
    void handle(const std::string& peer, const ipc::AccessRequest& request);
    void reply_error(const std::string& peer, ipc::ProtocolError error, const std::string& terminal_hint);
    TerminalState* known_terminal(const std::string& peer, const std::string& id, std::optional<std::int64_t> seq);
    void open_batch();
    void maybe_submit(Clock::time_point now, bool force);
    void finish(LedgerWriteResult& result);
    /// Keeps the non-event records of a failed commit for the next attempt (bounded; beyond, counted as lost).
    void keep_unrecorded(storage::LedgerBatch& records);
    void send_decisions(const LedgerWriteResult& result);
    void publish_committed(const storage::LedgerBatch& records, const std::vector<storage::AppendOutcome>& outcomes);
    void drain_terminal_socket();
    void check_terminals(Clock::time_point now);
    std::string status_line(Clock::time_point now);
    void feed_watchdog(Clock::time_point now);
    std::uintmax_t ledger_size_bytes() const;

    // gateway_access.cpp: decisions, screenings, fusion, alerts.
    void start_cameras();
    void decide(const ipc::AccessRequest& request, const std::string& peer, Clock::time_point arrived,
                const storage::ScreeningRecord* screening, const std::string& temperature_unavailable);
    std::optional<storage::PersonListEntry> find_listed(storage::PersonListKind list, const std::string& person);
    void raise_alert(AlertSpec spec, UpstreamSubject upstream = {});
    void raise_condition(AlertSpec spec);
    void clear_condition(const std::string& kind, const std::string& source, const std::string& note);
    void alert_on_event(const storage::EventRecord& event);
    void drain_camera_reports();
    void on_screening(const std::string& camera, const nlohmann::json& screening);
    void apply(const std::vector<CameraTransition>& transitions);
    void expire_fusion(Clock::time_point now);
    /// Adds what goes upstream to the pending batch's outbox (nothing when forwarding is off).
    /// With pseudonymisation on, the body's "person" (and an alert's text) name the person by pseudonym.
    void forward(storage::OutboxLane lane, const std::string& kind, const std::string& gate, std::int64_t at_ms,
                 nlohmann::json body, UpstreamSubject subject = {}, std::optional<std::size_t> for_event = std::nullopt);
    /// The person as the upstream sees them: the pseudonym when pseudonymisation is on, else the id.
    std::string upstream_person(const std::string& person) const;
    /// Polls the forwarder's figures; raises or clears buffer_high.
    void check_forwarding();
    std::optional<Clock::time_point> next_fusion_deadline() const;

    // gateway_control.cpp: control socket, status, metrics.
    void serve_control();
    bool admin_still_listed(const zmq::message_t& request) const;
    nlohmann::json control_command(const std::string& routing_id, const nlohmann::json& request, bool& deferred);
    nlohmann::json status() const;
    std::string metrics_text() const;
    std::optional<std::string> fetch_metrics();
    void send_control_reply(const std::string& routing_id, const std::string& body);
};

}  // namespace gatehouse::daemon
