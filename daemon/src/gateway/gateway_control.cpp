// Gateway: the control socket's requests (status, metrics, reload, alerts, alert actions), status and metrics.
#include "gateway/gateway_impl.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "gatehouse/daemon/console_messages.hpp"
#include "gatehouse/daemon/prometheus_text.hpp"
#include "gatehouse/daemon/recheck_request.hpp"
#include "gatehouse/ipc/json_writer.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/version.hpp"

namespace gatehouse::daemon {
namespace {

using nlohmann::json;

// The reply to `reload`: which changed keys took effect, which wait for a restart, which failed.
std::string reload_reply(const ReloadReport& report) {
    if (!report.accepted) return ipc::encode_control_refusal("configuration refused, the running one stays: " + report.error);
    json failed = json::array();
    for (const auto& f : report.failed) failed.push_back({{"key", f.key}, {"error", f.error}});
    std::string message = "configuration reloaded";
    if (report.applied.empty() && report.restart_required.empty() && report.failed.empty()) message += ": nothing changed";
    return json{{"ok", true},
                {"message", message},
                {"applied", report.applied},
                {"restart_required", report.restart_required},
                {"failed", std::move(failed)}}
        .dump();
}

json age_ms(const std::optional<std::chrono::milliseconds>& age) { return age ? json(age->count()) : json(nullptr); }

json forwarding_json(const forwarding::ForwarderSnapshot& f) {
    json lanes = json::array();
    for (const auto& l : f.lanes) {
        lanes.push_back({{"lane", storage::to_string(l.lane)},
                         {"records", l.records},
                         {"bytes", l.bytes},
                         {"max_bytes", l.max_bytes},
                         {"oldest_age_ms", age_ms(l.oldest_age)},
                         {"high", l.high},
                         {"full", l.full},
                         {"dropped", l.dropped},
                         {"rejected", l.rejected},
                         {"expired", l.expired}});
    }
    json sinks = json::array();
    for (const auto& s : f.sinks) {
        static constexpr const char* kActivity[] = {"idle", "delivering", "backing_off"};
        sinks.push_back({{"name", s.name},
                         {"unconfirmed", s.unconfirmed},
                         {"unconfirmed_bytes", s.unconfirmed_bytes},
                         {"oldest_age_ms", age_ms(s.oldest_age)},
                         {"delivered", s.delivered},
                         {"delivered_total", s.delivered_total},
                         {"retries", s.retries},
                         {"dead_letters", s.dead_letters},
                         {"connected", s.connected},
                         {"endpoint", s.endpoint.empty() ? json(nullptr) : json(s.endpoint)},
                         {"activity", kActivity[static_cast<int>(s.activity)]},
                         {"draining", s.draining},
                         {"retry_in_ms", age_ms(s.retry_in)},
                         {"last_error", s.last_error},
                         {"last_success_ms", s.last_success_ms ? json(*s.last_success_ms) : json(nullptr)},
                         {"failing_since_ms", s.failing_since_ms ? json(*s.failing_since_ms) : json(nullptr)}});
    }
    return {{"lanes", std::move(lanes)},
            {"sinks", std::move(sinks)},
            {"buffer_high", f.buffer_high},
            {"storage_error", f.storage_error}};
}

json retention_json(const RetentionConfig& c, const RetentionFigures& f) {
    const auto& p = f.purged;
    return {{"days",
             {{"events", c.events_days},
              {"screenings", c.screenings_days},
              {"decisions", c.decisions_days},
              {"alerts", c.alerts_days},
              {"snapshots", c.snapshots_days}}},
            {"purged",
             {{"events", p.events},
              {"screenings", p.screenings},
              {"decisions", p.decisions},
              {"alerts", p.alerts},
              {"alert_actions", p.alert_actions},
              {"snapshots", p.snapshots},
              {"outbox", p.outbox},
              {"dead_letters", p.dead_letters},
              {"snapshot_files", f.snapshot_files_deleted},
              {"orphan_snapshot_files", f.orphan_files_deleted}}},
            {"file_errors", f.file_errors},
            {"rounds", f.rounds},
            {"last_round", f.last_round_utc_ms ? json(ipc::format_utc_timestamp(f.last_round_utc_ms)) : json(nullptr)},
            {"held", f.held.empty() ? json(nullptr) : json(f.held)},
            {"error", f.error.empty() ? json(nullptr) : json(f.error)}};
}

}  // namespace

// Runs on the metrics server's thread: asks the reactor (the owner of every counter) for the text over the
// control socket's in-process endpoint, so no state is shared between threads.
std::optional<std::string> Gateway::Impl::fetch_metrics() {
    zmq::socket_t client(context, zmq::socket_type::dealer);
    client.set(zmq::sockopt::linger, 0);
    client.connect(control_inproc);
    client.send(zmq::message_t(), zmq::send_flags::sndmore);
    client.send(zmq::buffer(ipc::encode(ipc::ControlRequest{ipc::MetricsRequest{}})), zmq::send_flags::none);
    zmq::pollitem_t item{client.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::seconds(2)) <= 0) return std::nullopt;
    zmq::message_t delimiter, body;
    (void)client.recv(delimiter);
    (void)client.recv(body);
    const json reply = json::parse(body.to_string_view(), nullptr, false);
    const auto text = reply.is_object() ? reply.find("text") : reply.end();
    if (text == reply.end() || !text->is_string()) return std::nullopt;
    return text->get<std::string>();
}

void Gateway::Impl::send_control_reply(const std::string& routing_id, const std::string& body) {
    control->send(zmq::buffer(routing_id), zmq::send_flags::sndmore);
    control->send(zmq::message_t(), zmq::send_flags::sndmore);
    control->send(zmq::buffer(body), zmq::send_flags::dontwait);
}

// Control requests arrive as [routing id][empty delimiter][JSON] (REQ framing; a DEALER client sends the empty
// frame itself) and get the same envelope back. Each is served inside the boundary: whatever goes wrong, the client
// gets an answer and the next request is served.
void Gateway::Impl::serve_control() {
    for (;;) {
        std::vector<zmq::message_t> parts;
        zmq::message_t part;
        if (!control->recv(part, zmq::recv_flags::dontwait)) return;
        parts.push_back(std::move(part));
        while (parts.back().more()) {
            zmq::message_t next;
            (void)control->recv(next, zmq::recv_flags::none);
            parts.push_back(std::move(next));
        }
        if (parts.size() != 3 || parts[1].size() != 0) continue;  // not a control client; nothing to answer
        const std::string routing_id = parts[0].to_string();
        boundary.run("control", [&] { serve_control_request(routing_id, parts[2]); }, [&](const std::string& reason) {
            send_control_reply(routing_id, ipc::encode_control_refusal("internal error: " + reason));
        });
    }
}

void Gateway::Impl::serve_control_request(const std::string& routing_id, const zmq::message_t& request) {
    if (!admin_still_listed(request)) {
        send_control_reply(routing_id, ipc::encode_control_refusal("this connection's CURVE key is no longer listed in "
                                                                   "[[admins]] (revoked by a reload)"));
        return;
    }
    if (const auto reply = answer(routing_id, ipc::decode_control_request(request.to_string_view()))) {
        send_control_reply(routing_id, *reply);
    }
}

// Only a CURVE (TCP) control connection has a User-Id; the ZAP handler checked its key at the handshake, and a
// client may keep the connection open across a reload that removed it.
bool Gateway::Impl::admin_still_listed(const zmq::message_t& request) const {
    const char* user = zmq_msg_gets(request.handle(), "User-Id");
    if (!user) return true;
    const char* key = zmq_msg_gets(request.handle(), ipc::ZapHandler::kKeyProperty);
    if (!key) return false;
    return std::any_of(config.admins.begin(), config.admins.end(),
                       [&](const AdminClientConfig& a) { return a.id == user && a.public_key == key; });
}

// The reply to a decoded request; nullopt when it is sent later (an alert action, once it is recorded).
std::optional<std::string> Gateway::Impl::answer(const std::string& routing_id, const ipc::ControlRequest& request) {
    return std::visit(
        [&](const auto& r) -> std::optional<std::string> {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, ipc::StatusRequest>) {
                return json{{"ok", true}, {"status", status()}}.dump();
            } else if constexpr (std::is_same_v<T, ipc::MetricsRequest>) {
                return json{{"ok", true}, {"text", metrics_text()}}.dump();
            } else if constexpr (std::is_same_v<T, ipc::ReloadRequest>) {
                return reload_reply(reload());
            } else if constexpr (std::is_same_v<T, ipc::AlertsRequest>) {
                // The alerts as published on alert.: their bodies are written once, here spliced into the list.
                std::string list = "[";
                for (const auto& [id, a] : alerts->unclosed()) list += (list.size() > 1 ? "," : "") + encode_body(a);
                return ipc::JsonObjectWriter().boolean("ok", true).raw("alerts", list + "]").finish();
            } else if constexpr (std::is_same_v<T, ipc::AlertActionRequest>) {
                const auto to = r.close ? storage::AlertState::closed : storage::AlertState::acknowledged;
                // The re-check of a fever alert (issue 17): checked against the alert before anything changes.
                RecheckOutcome recheck;
                if (const auto open = alerts->unclosed().find(r.id); open != alerts->unclosed().end()) {
                    const GateConfig* gate = config.find_gate(open->second.gate);
                    auto read = read_recheck(r, open->second, gate ? gate->policy.fever_threshold : GatePolicy{}.fever_threshold);
                    if (auto* refused = std::get_if<std::string>(&read)) return ipc::encode_control_refusal(*refused);
                    recheck = std::get<RecheckOutcome>(read);
                }
                auto outcome = alerts->act(r.id, to, r.actor, r.note, ipc::utc_now_ms());
                if (auto* refused = std::get_if<std::string>(&outcome)) return ipc::encode_control_refusal(*refused);
                auto& change = std::get<AlertChange>(outcome);
                change.action.disposition = recheck.disposition;
                change.action.recheck_celsius = recheck.recheck_celsius;
                // Answered once the action is on disk, like every other record.
                batch.add_control_reply({routing_id, ipc::JsonObjectWriter()
                                                         .boolean("ok", true)
                                                         .integer("id", change.action.alert)
                                                         .text("state", storage::to_string(change.action.to))
                                                         .finish()});
                batch.add_alert_action(std::move(change.action), change.alert);
                return std::nullopt;
            } else if constexpr (std::is_same_v<T, ipc::ForgetAlertsRequest>) {
                // `gatehouse erase` removed these alerts' rows; the open ones must not live on in memory.
                const auto forgotten = alerts->forget(r.ids);
                if (forgotten > 0) spdlog::info("forgot {} open alerts erased from the ledger", forgotten);
                return ipc::JsonObjectWriter().boolean("ok", true).integer("forgotten", static_cast<std::int64_t>(forgotten)).finish();
            } else {
                return ipc::encode_control_refusal(r.error);
            }
        },
        request);
}

std::map<std::string, std::uint64_t> Gateway::Impl::internal_errors() const {
    std::map<std::string, std::uint64_t> failures = boundary.failures();
    if (metrics && metrics->failures() > 0) failures["metrics"] += metrics->failures();
    return failures;
}

json Gateway::Impl::status() const {
    json terminals_json = json::array();
    const auto now = SteadyClock::now();
    auto ms_ago = [now](SteadyTime t) {
        return t == SteadyTime{} ? json(nullptr)
                                        : json(std::chrono::duration_cast<std::chrono::milliseconds>(now - t).count());
    };
    for (const auto& [id, t] : registry->all()) {
        json j = {{"id", id},           {"gate", t.config.gate},  {"kind", t.config.kind},
                  {"online", t.online}, {"firmware", t.firmware}, {"events", t.events}};
        j["last_seq"] = t.highest_seq ? json(*t.highest_seq) : json(nullptr);
        j["last_seen_ms_ago"] = ms_ago(t.last_seen);
        terminals_json.push_back(std::move(j));
    }
    json cameras_json = json::array();
    for (const auto& [id, c] : camera_monitor.all()) {
        const CameraConfig* cfg = config.find_camera(id);
        cameras_json.push_back({{"id", id},
                                {"gate", c.gate},
                                {"source", cfg ? cfg->source : ""},
                                {"state", c.state},
                                {"fps", c.fps},
                                {"frames", c.frames},
                                {"reference", c.reference},
                                {"reference_offset", c.reference_offset_celsius ? json(*c.reference_offset_celsius) : json(nullptr)},
                                {"screenings", c.screenings},
                                {"faults", c.faults},
                                {"last_error", c.last_error},
                                {"last_report_ms_ago", ms_ago(c.last_report)}});
    }
    json gates_json = json::array();
    for (const auto& g : config.gates) {
        const auto f = fusion.find(g.id);
        gates_json.push_back({{"id", g.id},
                              {"name", g.name},
                              {"direction", g.direction},
                              {"camera", g.camera ? json(*g.camera) : json(nullptr)},
                              {"fever_threshold", g.policy.fever_threshold},
                              {"waiting_for_screening", f == fusion.end() ? 0 : f->second.waiting()},
                              {"unused_screenings", f == fusion.end() ? 0 : f->second.unused_screenings()}});
    }
    json errors = json::object();
    for (int i = 0; i < ipc::kErrorCodeCount; ++i) {
        if (counters.errors[static_cast<std::size_t>(i)]) {
            errors[ipc::to_string(static_cast<ipc::ErrorCode>(i))] = counters.errors[static_cast<std::size_t>(i)];
        }
    }
    json open_by_kind = json::object();
    for (const auto& [id, a] : alerts->unclosed()) open_by_kind[a.kind] = open_by_kind.value(a.kind, 0) + 1;
    return {{"version", kVersion},
            {"gateway", config.gateway_id},
            {"site", config.site},
            {"timezone", config.time_zone().name()},
            {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(now - started).count()},
            {"ledger", {{"path", config.ledger_path.string()}, {"size_bytes", ledger_size_bytes()}}},
            {"endpoints",
             {{"terminals", terminals->bound_endpoint()},
              {"consoles", consoles ? json(consoles->bound_endpoint()) : json(nullptr)},
              {"control", config.control_endpoint},
              {"metrics", metrics ? json(metrics->address()) : json(nullptr)}}},
            {"security", security_status()},
            {"gates", std::move(gates_json)},
            {"forwarding", forwarder ? forwarding_json(forwarding) : json(nullptr)},
            {"retention", retention_json(config.retention, retention->figures())},
            {"privacy", {{"pseudonymise_upstream", pseudonymiser.has_value()}}},
            {"reports", reports_status()},
            {"fleet", fleet ? fleet->figures_json() : json(nullptr)},
            {"cameras", std::move(cameras_json)},
            {"adapters", adapters_status()},
            {"terminals_online", registry->online_count()},
            {"terminals", std::move(terminals_json)},
            {"alerts", {{"open", alerts->unclosed().size()}, {"open_by_kind", std::move(open_by_kind)}}},
            {"consoles",
             {{"published", consoles ? consoles->counters().published : 0},
              {"overflows", consoles ? consoles->counters().overflows : 0},
              {"subscribed_topics", consoles ? consoles->counters().subscribed_topics : 0},
              {"reopens", consoles ? consoles->counters().reopens : 0}}},
            {"counters",
             {{"frames", counters.frames},
              {"events_stored", counters.events_stored},
              {"events_duplicate", counters.events_duplicate},
              {"commits", counters.commits},
              {"commit_failures", counters.commit_failures},
              {"records_awaiting_storage", records_awaiting_storage()},
              {"records_unrecorded_lost", counters.records_unrecorded_lost},
              {"largest_batch", counters.largest_batch},
              {"decisions_granted", counters.decisions_granted},
              {"decisions_denied", counters.decisions_denied},
              {"screenings", counters.screenings_by_verdict},
              {"alerts", counters.alerts_by_kind},
              {"replies_undeliverable", terminals->counters().replies_undeliverable},
              {"camera_reports_dropped", camera_reports.dropped()},
              {"internal_errors", internal_errors()},
              {"errors", std::move(errors)}}}};
}

std::string Gateway::Impl::metrics_text() const {
    PrometheusText m;
    m.gauge("gatehouse_build_info", "Version of the running gatehouse", 1, {{"version", kVersion}});
    m.gauge("gatehouse_uptime_seconds", "Seconds since the gateway started",
            std::chrono::duration<double>(SteadyClock::now() - started).count());
    m.counter("gatehouse_frames_received_total", "Frames received on the terminal socket", static_cast<double>(counters.frames));
    adapters_metrics(m);
    for (const auto& [kind, n] : counters.stored_by_kind) {
        m.counter("gatehouse_events_total", "Events newly stored, by kind", static_cast<double>(n), {{"kind", kind}});
    }
    m.counter("gatehouse_acks_total", "Acks sent, by whether the event was a resend", static_cast<double>(counters.events_stored),
              {{"duplicate", "false"}});
    m.counter("gatehouse_acks_total", "Acks sent, by whether the event was a resend",
              static_cast<double>(counters.events_duplicate), {{"duplicate", "true"}});
    for (int i = 0; i < ipc::kErrorCodeCount; ++i) {
        m.counter("gatehouse_protocol_errors_total", "Error replies to terminals, by code",
                  static_cast<double>(counters.errors[static_cast<std::size_t>(i)]),
                  {{"code", ipc::to_string(static_cast<ipc::ErrorCode>(i))}});
    }
    m.counter("gatehouse_decisions_total", "Access decisions, by result", static_cast<double>(counters.decisions_granted),
              {{"result", "grant"}});
    m.counter("gatehouse_decisions_total", "Access decisions, by result", static_cast<double>(counters.decisions_denied),
              {{"result", "deny"}});
    m.counter("gatehouse_decisions_unrecorded_total", "Decisions answered although the ledger could not record them",
              static_cast<double>(counters.decisions_unrecorded));
    m.histogram("gatehouse_decision_seconds", "From access_request to decision sent, including the wait for a screening",
                counters.decision_seconds);
    for (const char* verdict : {"normal", "elevated", "uncertain"}) {
        const auto it = counters.screenings_by_verdict.find(verdict);
        m.counter("gatehouse_screenings_total", "Camera screenings, by verdict",
                  static_cast<double>(it == counters.screenings_by_verdict.end() ? 0 : it->second), {{"verdict", verdict}});
    }
    for (const auto& [kind, n] : counters.alerts_by_kind) {
        m.counter("gatehouse_alerts_total", "Alerts raised, by kind", static_cast<double>(n), {{"kind", kind}});
    }
    m.gauge("gatehouse_alerts_open", "Alerts not closed yet", static_cast<double>(alerts->unclosed().size()));
    for (const auto& [id, c] : camera_monitor.all()) {
        m.gauge("gatehouse_camera_up", "1 while the camera delivers frames", c.state == "running" ? 1 : 0,
                {{"camera", id}, {"gate", c.gate}});
        m.gauge("gatehouse_camera_fps", "Measured camera frame rate", c.fps, {{"camera", id}, {"gate", c.gate}});
        if (c.reference_offset_celsius) {
            m.gauge("gatehouse_blackbody_offset_celsius", "Correction applied from the blackbody reference",
                    *c.reference_offset_celsius, {{"camera", id}, {"gate", c.gate}});
        }
        m.counter("gatehouse_camera_faults_total", "Camera faults (source failed, stalled or ended)",
                  static_cast<double>(c.faults), {{"camera", id}, {"gate", c.gate}});
    }
    if (consoles) {
        m.counter("gatehouse_console_messages_total", "Messages published to consoles",
                  static_cast<double>(consoles->counters().published));
        m.counter("gatehouse_console_overflows_total",
                  "Times a slow console's queue was full (it loses messages until it catches up)",
                  static_cast<double>(consoles->counters().overflows));
    }
    if (forwarder) {
        for (const auto& l : forwarding.lanes) {
            const PrometheusText::Labels lane = {{"lane", std::string(storage::to_string(l.lane))}};
            m.gauge("gatehouse_outbox_records", "Records waiting in the outbox, by lane", static_cast<double>(l.records), lane);
            m.gauge("gatehouse_outbox_bytes", "Bytes waiting in the outbox, by lane", static_cast<double>(l.bytes), lane);
            m.gauge("gatehouse_outbox_oldest_age_seconds", "Age of the oldest unsent record, by lane",
                    l.oldest_age ? std::chrono::duration<double>(*l.oldest_age).count() : 0.0, lane);
            m.counter("gatehouse_outbox_dropped_total", "Records dropped because their lane was full",
                      static_cast<double>(l.dropped), lane);
            m.counter("gatehouse_outbox_rejected_total", "Alerts refused because the alert lane was at its hard cap",
                      static_cast<double>(l.rejected), lane);
            m.counter("gatehouse_outbox_expired_total", "Records removed after their time-to-live",
                      static_cast<double>(l.expired), lane);
        }
        for (const auto& s : forwarding.sinks) {
            const PrometheusText::Labels sink = {{"sink", s.name}};
            m.gauge("gatehouse_sink_backlog_records", "Records a sink has not confirmed yet", static_cast<double>(s.unconfirmed), sink);
            m.counter("gatehouse_sink_delivered_total", "Records a sink confirmed", static_cast<double>(s.delivered_total), sink);
            m.counter("gatehouse_sink_dead_letters_total", "Records a sink refused for good", static_cast<double>(s.dead_letters), sink);
            m.gauge("gatehouse_sink_connected", "1 while the sink's upstream confirms deliveries", s.connected ? 1 : 0, sink);
        }
    }
    const auto zap_counters = zap ? zap->counters() : ipc::ZapCounters{};
    m.counter("gatehouse_curve_handshakes_total", "CURVE handshakes answered by the ZAP handler, by result",
              static_cast<double>(zap_counters.accepted), {{"result", "accepted"}});
    m.counter("gatehouse_curve_handshakes_total", "CURVE handshakes answered by the ZAP handler, by result",
              static_cast<double>(zap_counters.refused), {{"result", "refused"}});
    m.counter("gatehouse_plaintext_connections_refused_total",
              "Connections to the CURVE terminal socket refused because the client does not use CURVE (no key)",
              static_cast<double>(plaintext_refused));
    m.counter("gatehouse_console_subscriptions_refused_total", "Console subscriptions outside the console's topics",
              static_cast<double>(consoles ? consoles->counters().refused_subscriptions : 0));
    m.gauge("gatehouse_insecure_plaintext", "1 when TCP sockets run without CURVE (insecure_plaintext)",
            config.security.insecure_plaintext ? 1 : 0);
    const RetentionFigures purge = retention->figures();
    const std::pair<const char*, std::int64_t> purged[] = {
        {"events", purge.purged.events},         {"screenings", purge.purged.screenings},
        {"decisions", purge.purged.decisions},   {"alerts", purge.purged.alerts},
        {"alert_actions", purge.purged.alert_actions}, {"snapshots", purge.purged.snapshots},
        {"outbox", purge.purged.outbox},         {"dead_letters", purge.purged.dead_letters}};
    for (const auto& [kind, n] : purged) {
        m.counter("gatehouse_retention_purged_total", "Records removed after their retention, by kind",
                  static_cast<double>(n), {{"kind", kind}});
    }
    m.counter("gatehouse_retention_snapshot_files_deleted_total", "Evidence snapshot files deleted after their retention",
              static_cast<double>(purge.snapshot_files_deleted + purge.orphan_files_deleted));
    m.counter("gatehouse_retention_file_errors_total", "Snapshot files the purge could not delete",
              static_cast<double>(purge.file_errors));
    m.gauge("gatehouse_retention_held", "1 while the purge is held because the wall clock looks wrong",
            purge.held.empty() ? 0 : 1);
    m.counter("gatehouse_ledger_commits_total", "Group-commit transactions", static_cast<double>(counters.commits));
    m.counter("gatehouse_ledger_commit_failures_total", "Transactions that failed (events refused as storage_unavailable)",
              static_cast<double>(counters.commit_failures));
    m.histogram("gatehouse_ledger_commit_seconds", "Duration of ledger group commits", counters.commit_seconds);
    m.gauge("gatehouse_ledger_size_bytes", "Size of the ledger database and its write-ahead log",
            static_cast<double>(ledger_size_bytes()));
    m.gauge("gatehouse_terminals_configured", "Terminals in the configuration", static_cast<double>(registry->all().size()));
    m.gauge("gatehouse_terminals_online", "Terminals heard from within the heartbeat timeout",
            static_cast<double>(registry->online_count()));
    m.counter("gatehouse_replies_undeliverable_total", "Replies that could not be delivered (terminal gone)",
              static_cast<double>(terminals->counters().replies_undeliverable));
    for (const auto& [socket, n] : internal_errors()) {
        m.counter("gatehouse_internal_errors_total",
                  "Failures contained at a message's boundary (the message was refused, the gateway went on), by socket",
                  static_cast<double>(n), {{"socket", socket}});
    }
    m.counter("gatehouse_camera_reports_dropped_total", "Camera reports dropped because the reactor fell behind",
              static_cast<double>(camera_reports.dropped()));
    if (fleet) {
        const auto f = fleet->figures();
        m.gauge("gatehouse_fleet_connected", "Whether the fleet link is connected to a broker", f.connected ? 1 : 0);
        m.counter("gatehouse_fleet_downlink_applied_total", "Central list and policy updates applied", static_cast<double>(f.applied));
        for (const auto& [reason, n] : f.refused) {
            m.counter("gatehouse_fleet_downlink_refused_total", "Central updates refused, by reason", static_cast<double>(n), {{"reason", reason}});
        }
        for (const auto& [subject, version] : f.held) {
            m.gauge("gatehouse_fleet_held_version", "Version held of each central subject", static_cast<double>(version), {{"subject", subject}});
        }
    }
    return m.text();
}

}  // namespace gatehouse::daemon
