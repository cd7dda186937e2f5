// Gateway start-up, the reactor loop, terminal ingest, group commits and acks, reload and stop.
#include "gateway/gateway_impl.hpp"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <utility>

#include <spdlog/spdlog.h>

#include "gatehouse/daemon/console_messages.hpp"
#include "gatehouse/daemon/private_files.hpp"
#include "gatehouse/ipc/curve_keys.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/version.hpp"

namespace gatehouse::daemon {
namespace {

using nlohmann::json;

// The loop wakes at least this often to notice a stop request and expire silent terminals.
constexpr auto kIdleTick = std::chrono::milliseconds(50);
// SQLite's default page size, which the ledger keeps; converts the configured size cap into pages.
constexpr std::int64_t kSqlitePageSize = 4096;
// Records kept in memory while the ledger refuses them (a full disk): enough for an hour of a busy gate's
// decisions and alerts, small enough (a few MB) not to threaten the daemon.
constexpr std::size_t kMaxUnrecorded = 20000;
// How soon kept records are retried when nothing else arrives to commit.
constexpr auto kUnrecordedRetry = std::chrono::seconds(1);

std::size_t record_count(const storage::LedgerBatch& b) {
    return b.screenings.size() + b.decisions.size() + b.alerts.size() + b.alert_actions.size();
}

template <typename T>
void append_moved(std::vector<T>& to, std::vector<T>& from) {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
    from.clear();
}

constexpr std::string_view kIpcScheme = "ipc://";
// Control requests are short JSON objects (an alert note is at most 4 KiB).
constexpr std::int64_t kMaxControlMessageBytes = 64 * 1024;

// For ipc:// endpoints, the directory of the socket file must exist before bind.
void prepare_ipc_directory(const std::string& endpoint) {
    if (endpoint.rfind(kIpcScheme, 0) != 0) return;
    const std::filesystem::path file(endpoint.substr(kIpcScheme.size()));
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
}

// The service runs with UMask=0077; the control socket is opened to the gatehouse group (0660) so that
// administrators in that group can use the CLI, and to no one else.
void open_ipc_socket_to_group(const std::string& endpoint) {
    if (endpoint.rfind(kIpcScheme, 0) != 0) return;
    std::error_code error;
    std::filesystem::permissions(endpoint.substr(kIpcScheme.size()),
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                     std::filesystem::perms::group_read | std::filesystem::perms::group_write,
                                 error);
    if (error) spdlog::warn("cannot set mode 0660 on control socket {}: {}", endpoint, error.message());
}

// Health data on disk: the ledger (with -wal and -shm) and the snapshot directories are the service user's
// alone. A mode that lets others in is tightened with a warning; a file owned by someone else stops start-up.
void enforce_private_storage(const GatewayConfig& config) {
    std::vector<std::filesystem::path> paths = ledger_files(config.ledger_path);
    for (const auto& dir : snapshot_directories(config)) paths.push_back(dir);
    for (const auto& finding : enforce_private_modes(paths)) {
        if (!finding.problem.empty()) {
            throw std::runtime_error("health data at " + finding.path.string() + " is not private: " + finding.problem);
        }
        spdlog::warn("{} was mode {:04o}, readable by group or others: tightened to {}", finding.path.string(),
                     finding.old_mode, std::filesystem::is_directory(finding.path) ? "0700" : "0600");
    }
}

// The ledger's directory may be shared (a home or /srv directory): a loose mode there is only warned about,
// since the files in it are private anyway (see docs/privacy.md).
void report_shared_ledger_directory(const GatewayConfig& config) {
    if (!config.ledger_path.has_parent_path()) return;
    for (const auto& finding : enforce_private_modes({config.ledger_path.parent_path()}, LooseMode::report)) {
        spdlog::warn("ledger directory {} is mode {:04o}: others can see the names of the files in it (not their "
                     "contents); give the ledger a directory of its own with mode 0700",
                     finding.path.string(), finding.old_mode);
    }
}

std::optional<Pseudonymiser> load_pseudonymiser(const PrivacyConfig& privacy) {
    if (!privacy.pseudonymise_upstream) return std::nullopt;
    try {
        return Pseudonymiser::from_file(*privacy.site_secret_file);
    } catch (const std::runtime_error& e) {
        throw ConfigError(e.what());
    }
}

}  // namespace

Gateway::Impl::Impl(GatewayConfig c, GatewayHooks h, ServerKey key, storage::Ledger ledger, LedgerStartState start)
    : config(std::move(c)),
      hooks(std::move(h)),
      server_key(std::move(key)),
      zap(start_zap_handler(context, config)),
      terminals(context, config.terminal_endpoint, config.max_message_bytes, server_key.secret),
      registry(config.terminals, config.heartbeat_timeout, config.seq_window),
      writer(std::move(ledger), context),
      alerts(start.last_alert_id, std::move(start.unclosed_alerts)),
      last_screening_id(start.last_screening_id) {
    registry.seed_last_seq(start.last_seq);
    control.set(zmq::sockopt::linger, 0);
    control.set(zmq::sockopt::maxmsgsize, kMaxControlMessageBytes);
    // A local ipc:// control socket is guarded by its file mode (below); over TCP only listed admins get in.
    if (!server_key.secret.empty() && config.control_endpoint.rfind("tcp://", 0) == 0) {
        ipc::configure_curve_server(control, server_key.secret, "control");
    }
    prepare_ipc_directory(config.control_endpoint);
    try {
        control.bind(config.control_endpoint);
    } catch (const zmq::error_t& e) {
        throw std::runtime_error("cannot bind control socket " + config.control_endpoint + ": " + e.what());
    }
    open_ipc_socket_to_group(config.control_endpoint);
    control_inproc = fmt::format("inproc://gatehouse-control-{}", static_cast<const void*>(this));
    control.bind(control_inproc);
    if (!config.console_endpoint.empty()) {
        consoles.emplace(context, config.console_endpoint, config.console_queue,
                         ConsoleSecurity{server_key.secret, console_scopes(config)});
        consoles_inproc = fmt::format("inproc://gatehouse-consoles-{}", static_cast<const void*>(this));
        consoles->mirror_in_process(consoles_inproc);
    }
    camera_reports_endpoint = fmt::format("inproc://gatehouse-cameras-{}", static_cast<const void*>(this));
    camera_reports.set(zmq::sockopt::rcvhwm, 100000);
    camera_reports.bind(camera_reports_endpoint);
    if (!config.metrics_listen.empty()) {
        metrics = std::make_unique<MetricsServer>(config.metrics_listen, [this] { return fetch_metrics(); });
    }
    spdlog::debug("start-up: ledger open, sockets bound; starting {} cameras", config.cameras.size());
    start_cameras();
    retention = std::make_unique<RetentionPurger>(config.ledger_path, config.retention, snapshot_directories(config));
    pseudonymiser = load_pseudonymiser(config.privacy);
    if (config.forwarding.active()) {
        forwarder = std::make_unique<forwarding::Forwarder>(config.forwarding, config.ledger_path,
                                                            forwarding::SinkIdentity{config.gateway_id, config.site});
        for (const auto& sink : config.forwarding.sinks) spdlog::info("forwarding to sink '{}'", sink.name);
        spdlog::info("upstream records name persons {}", pseudonymiser ? "by pseudonym (privacy.pseudonymise_upstream)"
                                                                       : "by their id (privacy.pseudonymise_upstream = false)");
    } else {
        spdlog::info("forwarding off (no [forwarding] sinks enabled): records stay in the ledger only");
    }
}

std::uintmax_t Gateway::Impl::ledger_size_bytes() const {
    std::uintmax_t total = 0;
    for (const char* suffix : {"", "-wal"}) {
        std::error_code ignored;  // a missing -wal file just counts as zero
        const auto size = std::filesystem::file_size(config.ledger_path.string() + suffix, ignored);
        if (!ignored) total += size;
    }
    return total;
}

void Gateway::Impl::reply_error(const std::string& peer, ipc::ProtocolError error, const std::string& terminal_hint) {
    ++counters.errors[static_cast<std::size_t>(error.code)];
    peer_log.warn(ipc::to_string(error.code),
                  fmt::format("refused message from {}: {}: {}",
                              terminal_hint.empty() ? "unidentified peer" : "terminal " + terminal_hint,
                              ipc::to_string(error.code), error.message));
    terminals.send(peer, ipc::encode(error));
}

TerminalState* Gateway::Impl::known_terminal(const std::string& peer, const std::string& id,
                                             std::optional<std::int64_t> seq) {
    TerminalState* t = registry.find(id);
    if (!t) {
        reply_error(peer,
                    {ipc::ErrorCode::unknown_terminal, "terminal", "terminal '" + id + "' is not configured on this gateway",
                     seq},
                    id);
        return nullptr;
    }
    if (registry.note_seen(*t, peer, Clock::now())) {
        spdlog::info("terminal {} (gate {}) online", id, t->config.gate);
        clear_condition("terminal_offline", id, "terminal is back online");
    }
    return t;
}

void Gateway::Impl::handle_frame(ipc::InboundFrame& frame) {
    ++counters.frames;
    if (frame.oversize) {
        reply_error(frame.peer,
                    {ipc::ErrorCode::message_too_large, "",
                     "message of " + std::to_string(frame.size) + " bytes exceeds the limit of " +
                         std::to_string(config.max_message_bytes),
                     std::nullopt},
                    "");
        return;
    }
    if (frame.multipart) {
        reply_error(frame.peer,
                    {ipc::ErrorCode::multipart_message, "", "send each message as exactly one frame", std::nullopt}, "");
        return;
    }
    auto message = ipc::decode_terminal_message(frame.payload);
    if (!admit(frame, message)) return;
    std::visit([&](auto&& msg) { handle(frame.peer, msg); }, message);
}

void Gateway::Impl::handle(const std::string& peer, const ipc::ProtocolError& error) { reply_error(peer, error, ""); }

// Everything that goes into the pending batch calls this first: the batch's commit window starts with its first row.
void Gateway::Impl::open_batch() {
    if (pending.empty()) pending_deadline = Clock::now() + config.commit_window;
}

void Gateway::Impl::handle(const std::string& peer, const ipc::Hello& hello) {
    TerminalState* t = known_terminal(peer, hello.terminal, std::nullopt);
    if (!t) return;
    t->reported_kind = hello.kind;
    t->firmware = hello.firmware;
    open_batch();
    pending.hellos.push_back({hello.terminal, hello.kind, hello.firmware, ipc::utc_now_ms()});
    terminals.send(peer, ipc::encode(ipc::Welcome{hello.terminal, t->highest_seq, config.heartbeat_interval.count()}));
}

void Gateway::Impl::handle(const std::string& peer, const ipc::Heartbeat& heartbeat) {
    if (known_terminal(peer, heartbeat.terminal, std::nullopt)) terminals.send(peer, ipc::encode_heartbeat());
}

void Gateway::Impl::handle(const std::string& peer, ipc::Event& event) {
    TerminalState* t = known_terminal(peer, event.terminal, event.seq);
    if (!t) return;
    std::string why;
    if (auto refused = registry.admit_seq(*t, event.seq, why)) {
        reply_error(peer, {*refused, "seq", why, event.seq}, event.terminal);
        return;
    }
    spdlog::debug("event {}#{} {}", event.terminal, event.seq, event.kind);
    open_batch();
    pending.records.events.push_back({std::move(event.terminal), event.seq, t->config.gate, std::move(event.kind),
                                      std::move(event.person), event.occurred_ms, ipc::utc_now_ms(), event.offline,
                                      std::move(event.data_json)});
    pending.peers.push_back(peer);
    if (forwarder) {
        const auto& e = pending.records.events.back();
        forward(storage::OutboxLane::routine, e.kind, e.gate, e.received_ms, to_json(e), {e.person, std::nullopt, std::nullopt},
                pending.records.events.size() - 1);
    }
}

// Group commit: the pending batch goes to the writer as one transaction once the writer is free and the
// batch is full or its window has passed. One batch is in flight at a time, so acks keep their order.
void Gateway::Impl::maybe_submit(Clock::time_point now, bool force) {
    if (writer.busy()) return;
    const bool retry_unrecorded = !unrecorded.empty() && (force || now >= retry_unrecorded_at);
    if (pending.empty() && !retry_unrecorded) return;
    if (!force && !retry_unrecorded && pending.records.events.size() < config.max_batch && now < pending_deadline) return;
    unrecorded_in_flight = record_count(unrecorded);
    if (!unrecorded.empty()) pending.deferred = std::exchange(unrecorded, storage::LedgerBatch{});
    writer.submit(std::move(pending));
    submitted_at = now;
    pending = LedgerWriteBatch{};
    pending.records.events.reserve(config.max_batch);
    pending.peers.reserve(config.max_batch);
}

std::size_t Gateway::Impl::records_awaiting_storage() const { return record_count(unrecorded) + unrecorded_in_flight; }

// Acks, decisions and control replies are sent only now, after the commit returned, so what they confirm is
// on disk; consoles see what was recorded.
void Gateway::Impl::finish(LedgerWriteResult& result) {
    unrecorded_in_flight = 0;
    send_decisions(result);
    const std::string failure = result.error ? *result.error : "";
    for (const auto& reply : result.batch.control_replies) {
        send_control_reply(reply.routing_id,
                           result.error ? json{{"ok", false}, {"error", "could not record the action: " + failure}}.dump()
                                        : reply.body);
    }
    const auto& records = result.batch.records;
    const auto& events = records.events;
    if (result.error) {
        ++counters.commit_failures;
        peer_log.warn("ledger", fmt::format("cannot commit a batch of {} events, {} screenings, {} alerts: {}",
                                            events.size(), records.screenings.size(), records.alerts.size(), failure));
        for (std::size_t i = 0; i < events.size(); ++i) {
            ++counters.errors[static_cast<std::size_t>(ipc::ErrorCode::storage_unavailable)];
            terminals.send(result.batch.peers[i],
                           ipc::encode(ipc::ProtocolError{ipc::ErrorCode::storage_unavailable, "",
                                                          "the gateway cannot store events right now; resend later",
                                                          events[i].seq}));
        }
        // Consoles still see what happened (alerts above all: a guard must act on them), although the ledger could
        // not keep it yet; the decisions were answered anyway (send_decisions).
        publish_committed(records, {});
        if (!result.deferred_recorded) keep_unrecorded(result.batch.deferred);
        keep_unrecorded(result.batch.records);
        retry_unrecorded_at = Clock::now() + kUnrecordedRetry;
        if (result.fault == storage::LedgerFault::disk_full) {
            raise_condition({"storage_full", "", "ledger", std::nullopt, std::nullopt, std::nullopt,
                             fmt::format("The ledger {} is out of space: events are refused (terminals keep them), "
                                         "decisions follow the gates' policies and are recorded when space returns",
                                         config.ledger_path.string())});
        }
        return;
    }
    ++counters.commits;
    clear_condition("storage_full", "ledger", "the ledger stores again");
    if (forwarder && !records.outbox.empty()) forwarder->wake();
    if (result.outbox.rejected > 0) {
        raise_condition({"outbox_rejected", "", "alert", std::nullopt, std::nullopt, std::nullopt,
                         fmt::format("{} alerts could not be queued for upstream: the outbox's alert lane is at its "
                                     "hard cap (the upstream has been unreachable for long)",
                                     result.outbox.rejected)});
    }
    counters.commit_seconds.observe(std::chrono::duration<double>(result.commit_time).count());
    counters.largest_batch = std::max<std::uint64_t>(counters.largest_batch, events.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
        const bool duplicate = result.outcomes[i] == storage::AppendOutcome::duplicate;
        ++(duplicate ? counters.events_duplicate : counters.events_stored);
        if (!duplicate) {
            ++counters.stored_by_kind[events[i].kind];
            alert_on_event(events[i]);
        }
        if (hooks.on_recorded) hooks.on_recorded(events[i], result.outcomes[i]);
        terminals.send(result.batch.peers[i], ipc::encode(ipc::Ack{events[i].seq, duplicate}));
    }
    publish_committed(records, result.outcomes);
}

// A decision is answered after the attempt to record it; if the ledger failed, the gate still gets its
// answer (the policy was applied) and the loss of the audit row is counted and logged.
void Gateway::Impl::send_decisions(const LedgerWriteResult& result) {
    const auto& decisions = result.batch.records.decisions;
    const auto now = Clock::now();
    for (std::size_t i = 0; i < decisions.size(); ++i) {
        ++(decisions[i].grant ? counters.decisions_granted : counters.decisions_denied);
        if (result.error) ++counters.decisions_unrecorded;
        terminals.send(result.batch.decision_peers[i], result.batch.decision_replies[i]);
        counters.decision_seconds.observe(std::chrono::duration<double>(now - result.batch.decision_arrived[i]).count());
    }
    if (result.error && !decisions.empty()) {
        peer_log.warn("decisions", fmt::format("{} decisions answered but not recorded: {}", decisions.size(), *result.error));
    }
}

void Gateway::Impl::keep_unrecorded(storage::LedgerBatch& records) {
    records.events.clear();
    // Outbox entries of events go with their events (resent by the terminals); the others stay with their records.
    std::erase_if(records.outbox, [](const storage::OutboxEntry& e) { return e.for_event.has_value(); });
    const std::size_t incoming = record_count(records);
    if (record_count(unrecorded) + incoming > kMaxUnrecorded) {
        counters.records_unrecorded_lost += incoming;
        peer_log.warn("unrecorded", fmt::format("{} decisions, screenings and alerts dropped: {} already await storage",
                                                incoming, record_count(unrecorded)));
        return;
    }
    append_moved(unrecorded.screenings, records.screenings);
    append_moved(unrecorded.decisions, records.decisions);
    append_moved(unrecorded.alerts, records.alerts);
    append_moved(unrecorded.alert_actions, records.alert_actions);
    append_moved(unrecorded.outbox, records.outbox);
}

void Gateway::Impl::publish_committed(const storage::LedgerBatch& records,
                                      const std::vector<storage::AppendOutcome>& outcomes) {
    if (!consoles) return;
    for (const auto& a : records.alerts) consoles->publish(alert_topic(a), to_json(a).dump());
    for (const auto& action : records.alert_actions) {
        const auto it = alerts.unclosed().find(action.alert);
        const json body = to_json(action);
        consoles->publish("alert_state." + (it != alerts.unclosed().end() ? it->second.kind : std::string("closed")),
                          body.dump());
    }
    for (const auto& d : records.decisions) consoles->publish(decision_topic(d), to_json(d).dump());
    for (const auto& s : records.screenings) consoles->publish(screening_topic(s), to_json(s).dump());
    // Events are the bulk of the traffic: built only for a console that asked for them, and never twice.
    if (!consoles->has_subscriber("event.")) return;
    for (std::size_t i = 0; i < records.events.size() && i < outcomes.size(); ++i) {
        if (outcomes[i] == storage::AppendOutcome::stored) {
            consoles->publish(event_topic(records.events[i]), to_json(records.events[i]).dump());
        }
    }
}

// Reads what is queued, but stops at a full batch: then the socket's queue (and the terminals' unacked
// windows) hold further messages back until the writer catches up.
void Gateway::Impl::drain_terminal_socket() {
    while (pending.records.events.size() < config.max_batch) {
        auto frame = terminals.try_receive();
        if (!frame) return;
        handle_frame(*frame);
    }
}

void Gateway::Impl::check_terminals(Clock::time_point now) {
    for (const auto& id : registry.expire(now)) {
        spdlog::warn("terminal {} offline: no message for {} ms", id, config.heartbeat_timeout.count());
        const TerminalState* t = registry.find(id);
        raise_condition({"terminal_offline", t ? t->config.gate : "", id, std::nullopt, std::nullopt, std::nullopt,
                         fmt::format("Terminal {} silent for {} s", id, config.heartbeat_timeout.count() / 1000.0)});
    }
}

// One line for systemd's STATUS= (shown by `systemctl status`).
std::string Gateway::Impl::status_line(Clock::time_point now) {
    const double seconds = std::chrono::duration<double>(now - last_status).count();
    const double rate = last_status == Clock::time_point{} || seconds <= 0
                            ? 0.0
                            : static_cast<double>(counters.events_stored - stored_at_last_status) / seconds;
    stored_at_last_status = counters.events_stored;
    last_status = now;
    std::size_t cameras_up = 0;
    for (const auto& [id, cam] : camera_monitor.all()) cameras_up += cam.state == "running" ? 1 : 0;
    return fmt::format("{} gates, {}/{} terminals online, {}/{} cameras up, {:.0f} events/s, {} open alerts, "
                       "{} events waiting to commit",
                       config.gates.size(), registry.online_count(), registry.all().size(), cameras_up,
                       config.cameras.size(), rate, alerts.unclosed().size(), pending.records.events.size());
}

// The watchdog is fed only while every part makes progress: the loop (we are in it), the ledger writer (a commit
// stuck for longer than the watchdog interval means a hung disk or lock), each camera thread and the forwarder:
// let systemd restart us when one of them hangs. A camera that merely has no frames is not hung: its thread keeps
// reporting faults at least every max_backoff while it retries, so only a thread silent for longer than that (stuck
// in a driver call) withholds the ping.
void Gateway::Impl::feed_watchdog(Clock::time_point now) {
    const auto interval = notifier.watchdog_interval();
    if (!interval) return;
    auto withhold = [&](const std::string& part, Clock::duration stuck) {
        peer_log.warn("watchdog", fmt::format("{} making no progress for {} ms; withholding the watchdog ping", part,
                                              std::chrono::duration_cast<std::chrono::milliseconds>(stuck).count()));
    };
    if (writer.busy() && now - submitted_at > *interval) return withhold("ledger commit", now - submitted_at);
    for (const auto& [id, cam] : camera_monitor.all()) {
        const CameraConfig* c = config.find_camera(id);
        const auto allowed = (c ? c->max_backoff + c->stall_timeout : std::chrono::milliseconds(60000)) + *interval;
        if (now - cam.last_report > allowed) return withhold("camera " + id + " thread", now - cam.last_report);
    }
    constexpr auto kForwarderRefresh = std::chrono::seconds(30);  // its housekeeper refreshes twice a second
    if (forwarder && forwarding.outbox_read && forwarding.outbox_read_age > kForwarderRefresh + *interval) {
        return withhold("forwarder", forwarding.outbox_read_age);
    }
    notifier.watchdog_ping(now);
}

void Gateway::Impl::reload() {
    notifier.reloading();
    GatewayConfig next;
    std::optional<Pseudonymiser> next_pseudonymiser;
    try {
        next = hooks.reload_config ? hooks.reload_config() : load_config_file(config.source);
        check_transport_security(next);
        for (const auto& cam : next.cameras) {
            (void)screening_config_for(cam, *next.find_gate(cam.gate), config.ledger_path.parent_path() / "snapshots");
        }
        next_pseudonymiser = load_pseudonymiser(next.privacy);
    } catch (const std::exception& e) {
        spdlog::error("reload rejected, the running configuration stays: {}", e.what());
        notifier.ready(status_line(Clock::now()));
        return;
    }
    // Sockets and the ledger stay open across a reload so that no terminal is dropped; say so if the new
    // file wants them elsewhere.
    if (next.terminal_endpoint != config.terminal_endpoint || next.control_endpoint != config.control_endpoint ||
        next.console_endpoint != config.console_endpoint || next.ledger_path != config.ledger_path ||
        next.max_message_bytes != config.max_message_bytes || next.ledger_max_size_mb != config.ledger_max_size_mb) {
        spdlog::warn("listen.*, ledger.path, ledger.max_size_mb and limits.max_message_bytes change only at a "
                     "restart; keeping the running values");
    }
    if (next.security.secret_key_file != config.security.secret_key_file ||
        next.security.insecure_plaintext != config.security.insecure_plaintext) {
        spdlog::warn("security.secret_key_file and security.insecure_plaintext change only at a restart; keeping the "
                     "running values (client keys and console topics are reloaded)");
    }
    next.security = config.security;
    if (zap) zap->update_policy(zap_policy(next));
    if (consoles) {
        // A console removed, re-keyed or narrowed keeps what it was admitted with as long as its connection
        // lasts, so then every console is cut and must reconnect under the new rules; a console added is not.
        const auto& kept = next.console_clients;
        const bool revoked = std::any_of(config.console_clients.begin(), config.console_clients.end(), [&](const auto& c) {
            return std::find(kept.begin(), kept.end(), c) == kept.end();
        });
        if (revoked && zap) {
            consoles->reopen(console_scopes(next));
            spdlog::warn("reload revoked or narrowed a console's key or topics: every console was disconnected and "
                         "reconnects under the new [[consoles]] (live messages until then are missed; the ledger has "
                         "them)");
        } else {
            consoles->set_scopes(console_scopes(next));
        }
    }
    for (auto& [id, bucket] : rate_buckets) bucket.set_limits(next.terminal_rate, static_cast<double>(next.terminal_burst));
    next.terminal_endpoint = config.terminal_endpoint;
    next.control_endpoint = config.control_endpoint;
    next.console_endpoint = config.console_endpoint;
    next.ledger_path = config.ledger_path;
    next.ledger_max_size_mb = config.ledger_max_size_mb;
    next.max_message_bytes = config.max_message_bytes;
    registry.reconfigure(next.terminals);
    registry.set_limits(next.heartbeat_timeout, next.seq_window);
    spdlog::set_level(spdlog::level::from_str(next.log_level));
    const bool cameras_changed = [&] {
        if (next.cameras != config.cameras) return true;
        for (const auto& cam : next.cameras) {
            if (next.find_gate(cam.gate)->policy.fever_threshold != config.find_gate(cam.gate)->policy.fever_threshold) {
                return true;
            }
        }
        return false;
    }();
    // Records already in the outbox keep the pseudonym they were written with (see docs/privacy.md).
    pseudonymiser = std::move(next_pseudonymiser);
    retention->reconfigure(next.retention, snapshot_directories(next));
    config = std::move(next);
    if (cameras_changed) {
        spdlog::info("camera configuration changed: restarting the cameras");
        start_cameras();
    } else {
        for (auto& [gate, f] : fusion) {
            if (const GateConfig* g = config.find_gate(gate)) f.set_window(g->policy.fusion_window);
        }
    }
    spdlog::info("configuration reloaded from {}: {} gates, {} terminals, {} cameras", config.source,
                 config.gates.size(), config.terminals.size(), config.cameras.size());
    notifier.ready(status_line(Clock::now()));
}

void Gateway::Impl::run() {
    spdlog::info("gatehouse {} gateway '{}' (site '{}'): terminals on {}, consoles on {}, control on {}, metrics on {}, "
                 "ledger {}",
                 kVersion, config.gateway_id, config.site, terminals.bound_endpoint(),
                 consoles ? consoles->bound_endpoint() : std::string("(disabled)"), config.control_endpoint,
                 metrics ? "http://" + metrics->address() + "/metrics" : std::string("(disabled)"),
                 config.ledger_path.string());
    spdlog::info("limits: max message {} B, heartbeat timeout {} ms, seq window {}, commit window {} us, max batch {}, "
                 "console queue {}",
                 config.max_message_bytes, config.heartbeat_timeout.count(), config.seq_window,
                 config.commit_window.count(), config.max_batch, config.console_queue);
    log_security_posture();
    for (const auto& g : config.gates) {
        spdlog::info("gate {} ({}): camera {}, fever threshold {:.1f} °C, fusion window {} ms, requires{}{}{}, when a "
                     "check is unavailable: {}",
                     g.id, g.direction, g.camera.value_or("none"), g.policy.fever_threshold,
                     g.policy.fusion_window.count(), g.policy.require_temperature ? " temperature" : "",
                     g.policy.require_health_code ? " health-code" : "", g.policy.require_list ? " allow-list" : "",
                     g.policy.allow_when_unavailable ? "allow and alert" : "deny");
    }
    zmq::pollitem_t items[] = {{terminals.socket().handle(), 0, ZMQ_POLLIN, 0},
                               {control.handle(), 0, ZMQ_POLLIN, 0},
                               {writer.done_signal().handle(), 0, ZMQ_POLLIN, 0},
                               {camera_reports.handle(), 0, ZMQ_POLLIN, 0},
                               {consoles ? consoles->socket().handle() : nullptr, 0, static_cast<short>(consoles ? ZMQ_POLLIN : 0), 0}};
    const int item_count = consoles ? 5 : 4;
    auto next_check = Clock::now();
    auto next_status = Clock::now() + std::chrono::seconds(2);
    // Ready only now: the ledger is open, every socket is bound and the cameras are starting (the constructor
    // and start_cameras did that).
    notifier.ready(status_line(Clock::now()));
    while (!stop_requested.load(std::memory_order_relaxed)) {
        if (reload_requested.exchange(false)) {
            reload();
            if (consoles) items[4].socket = consoles->socket().handle();  // a reload may have reopened it
        }
        // A full batch waiting for the writer stops reading terminals: backpressure instead of memory growth.
        items[0].events = pending.records.events.size() < config.max_batch ? ZMQ_POLLIN : 0;
        auto wake = Clock::now() + kIdleTick;
        if (!pending.empty() && !writer.busy()) wake = std::min(wake, pending_deadline);
        if (const auto fusion_deadline = next_fusion_deadline()) wake = std::min(wake, *fusion_deadline);
        const auto timeout = std::max(std::chrono::milliseconds(0),
                                      std::chrono::ceil<std::chrono::milliseconds>(wake - Clock::now()));
        zmq::poll(items, item_count, timeout);
        if (items[2].revents & ZMQ_POLLIN) {
            if (auto result = writer.take_result()) finish(*result);
        }
        if (items[3].revents & ZMQ_POLLIN) drain_camera_reports();
        if (items[0].revents & ZMQ_POLLIN) drain_terminal_socket();
        if (items[1].revents & ZMQ_POLLIN) serve_control();
        if (consoles && (items[4].revents & ZMQ_POLLIN)) consoles->drain_subscriptions();
        const auto now = Clock::now();
        expire_fusion(now);
        if (now >= next_check) {
            check_terminals(now);
            check_forwarding();
            apply(camera_monitor.check_stalls(now));
            next_check = now + std::chrono::milliseconds(200);
        }
        maybe_submit(now, false);
        feed_watchdog(now);
        if (now >= next_status) {
            notifier.status(status_line(now));
            next_status = now + std::chrono::seconds(2);
        }
    }
    notifier.stopping();
    auto finish_waiting = [this] {
        auto result = writer.wait_result();
        finish(result);
    };
    // Stop: cameras first (nothing new arrives from them), then everything received so far is decided,
    // committed and answered before returning.
    cameras.clear();
    drain_camera_reports();
    // The forwarder goes last: whatever the final commits put in the outbox is sent by the next run.
    drain_terminal_socket();
    for (auto& [gate, f] : fusion) {
        for (auto& w : f.release_waiting()) decide(w.request, w.peer, w.arrived, nullptr, "no_screening");
    }
    if (writer.busy()) finish_waiting();
    maybe_submit(Clock::now(), true);
    if (writer.busy()) finish_waiting();
    // Alerts raised while finishing the last batch (a door forced just before the stop) are committed too.
    maybe_submit(Clock::now(), true);
    if (writer.busy()) finish_waiting();
    spdlog::info("gateway stopped: {} events stored, {} duplicates, {} errors, {} decisions, {} alerts",
                 counters.events_stored, counters.events_duplicate, counters.total_errors(),
                 counters.decisions_granted + counters.decisions_denied, alerts.unclosed().size());
}

Gateway::Gateway(GatewayConfig config, GatewayHooks hooks) {
    check_transport_security(config);  // embedded gateways (demo, benchmarks) are held to it as the service is
    ServerKey key = load_server_key(config);  // a missing or exposed key stops start-up before the ledger is touched
    // The ledger opens first: a corrupt or newer file must stop start-up before any socket is bound. Its
    // directory is created private, and what exists already is checked before the ledger reads it.
    if (config.ledger_path.has_parent_path()) create_private_directory(config.ledger_path.parent_path());
    for (const auto& dir : snapshot_directories(config)) {
        try {
            create_private_directory(dir);
        } catch (const std::exception& e) {
            // A camera that cannot write evidence is the camera's fault to report, not a reason to keep the gate shut.
            spdlog::warn("snapshots: {}", e.what());
        }
    }
    enforce_private_storage(config);
    report_shared_ledger_directory(config);
    (void)load_pseudonymiser(config.privacy);  // a missing or readable secret stops start-up before anything opens
    storage::LedgerOptions options{config.ledger_path};
    options.gateway_id = config.gateway_id;
    options.outbox_limits = config.forwarding.limits;
    if (config.ledger_max_size_mb) options.max_pages = *config.ledger_max_size_mb * 1024 * 1024 / kSqlitePageSize;
    storage::Ledger ledger(options);
    enforce_private_storage(config);  // -wal and -shm exist only now
    LedgerStartState start;
    start.last_seq = ledger.last_seq_by_terminal();
    start.last_alert_id = ledger.max_alert_id();
    start.last_screening_id = ledger.max_screening_id();
    start.unclosed_alerts = ledger.alerts(0, /*open_only=*/true);
    // Camera settings are checked now, so that a bad reference or threshold stops start-up with its reason.
    for (const auto& cam : config.cameras) {
        (void)screening_config_for(cam, *config.find_gate(cam.gate), config.ledger_path.parent_path() / "snapshots");
    }
    impl_ = std::make_unique<Impl>(std::move(config), std::move(hooks), std::move(key), std::move(ledger),
                                   std::move(start));
}
Gateway::~Gateway() = default;

void Gateway::run() { impl_->run(); }
void Gateway::request_stop() { impl_->stop_requested.store(true); }
void Gateway::request_reload() { impl_->reload_requested.store(true); }
std::string Gateway::terminal_endpoint() const { return impl_->terminals.bound_endpoint(); }
std::string Gateway::control_endpoint() const { return impl_->control.get(zmq::sockopt::last_endpoint); }
std::string Gateway::console_endpoint() const {
    return impl_->consoles ? impl_->consoles->bound_endpoint() : std::string();
}
InProcessEndpoints Gateway::in_process_endpoints() const {
    return {&impl_->context, impl_->control_inproc, impl_->consoles_inproc};
}

}  // namespace gatehouse::daemon
