#include "gatehouse/daemon/gateway.hpp"

#include "gatehouse/daemon/access_policy.hpp"

#include <chrono>
#include <filesystem>
#include <mutex>
#include <vector>

#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "gatehouse/daemon/ingest_counters.hpp"
#include "gatehouse/daemon/ledger_writer.hpp"
#include "gatehouse/daemon/metrics_server.hpp"
#include "gatehouse/daemon/prometheus_text.hpp"
#include "gatehouse/daemon/rate_limited_log.hpp"
#include "gatehouse/daemon/systemd_notifier.hpp"
#include "gatehouse/daemon/terminal_registry.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/ipc/terminal_endpoint.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "gatehouse/version.hpp"

namespace gatehouse::daemon {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// The loop wakes at least this often to notice a stop request and expire silent terminals.
constexpr auto kIdleTick = std::chrono::milliseconds(50);
// SQLite's default page size, which the ledger keeps; converts the configured size cap into pages.
constexpr std::int64_t kSqlitePageSize = 4096;

constexpr std::string_view kIpcScheme = "ipc://";

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

}  // namespace

// Declaration order matters: the context outlives every socket, and the writer (which owns the ledger) is
// destroyed before the sockets that carry its acks.
struct Gateway::Impl {
    GatewayConfig config;
    GatewayHooks hooks;
    zmq::context_t context{1};
    ipc::TerminalEndpoint terminals;
    zmq::socket_t control{context, zmq::socket_type::router};
    TerminalRegistry registry;
    LedgerWriter writer;
    IngestCounters counters;
    RateLimitedLog peer_log;
    std::atomic<bool> stop_requested{false};
    std::atomic<bool> reload_requested{false};
    Clock::time_point started = Clock::now();
    SystemdNotifier notifier;
    Clock::time_point submitted_at{};       // when the batch in flight went to the writer
    std::uint64_t stored_at_last_status = 0;
    Clock::time_point last_status{};
    std::optional<storage::Ledger> lists_reader;  // read-only connection for list look-ups per decision
    std::string control_inproc;                 // second endpoint of the control socket, for in-process clients
    std::unique_ptr<MetricsServer> metrics;     // last member: stopped before anything it reads from

    // The open group-commit batch, filled while the writer commits the previous one.
    LedgerWriteBatch pending;
    Clock::time_point pending_deadline{};

    Impl(GatewayConfig c, GatewayHooks h, storage::Ledger ledger, const std::map<std::string, std::int64_t>& last_seq)
        : config(std::move(c)),
          hooks(std::move(h)),
          terminals(context, config.terminal_endpoint, config.max_message_bytes),
          registry(config.terminals, config.heartbeat_timeout, config.seq_window),
          writer(std::move(ledger), context) {
        registry.seed_last_seq(last_seq);
        control.set(zmq::sockopt::linger, 0);
        prepare_ipc_directory(config.control_endpoint);
        try {
            control.bind(config.control_endpoint);
        } catch (const zmq::error_t& e) {
            throw std::runtime_error("cannot bind control socket " + config.control_endpoint + ": " + e.what());
        }
        open_ipc_socket_to_group(config.control_endpoint);
        control_inproc = fmt::format("inproc://gatehouse-control-{}", static_cast<const void*>(this));
        control.bind(control_inproc);
        if (!config.metrics_listen.empty()) {
            metrics = std::make_unique<MetricsServer>(config.metrics_listen, [this] { return fetch_metrics(); });
        }
    }

    // Runs on the metrics server's thread: asks the reactor (the owner of every counter) for the text over
    // the control socket's in-process endpoint, so no state is shared between threads.
    std::optional<std::string> fetch_metrics() {
        zmq::socket_t client(context, zmq::socket_type::dealer);
        client.set(zmq::sockopt::linger, 0);
        client.connect(control_inproc);
        client.send(zmq::message_t(), zmq::send_flags::sndmore);
        client.send(zmq::str_buffer(R"({"v":1,"cmd":"metrics"})"), zmq::send_flags::none);
        zmq::pollitem_t item{client.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, std::chrono::seconds(2)) <= 0) return std::nullopt;
        zmq::message_t delimiter, body;
        (void)client.recv(delimiter);
        (void)client.recv(body);
        const json reply = json::parse(body.to_string_view(), nullptr, false);
        if (reply.is_discarded() || !reply.contains("text")) return std::nullopt;
        return reply["text"].get<std::string>();
    }

    std::string metrics_text() const {
        PrometheusText m;
        m.gauge("gatehouse_build_info", "Version of the running gatehouse", 1, {{"version", kVersion}});
        m.gauge("gatehouse_uptime_seconds", "Seconds since the gateway started",
                std::chrono::duration<double>(Clock::now() - started).count());
        m.counter("gatehouse_frames_received_total", "Frames received on the terminal socket", static_cast<double>(counters.frames));
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
        m.counter("gatehouse_ledger_commits_total", "Group-commit transactions", static_cast<double>(counters.commits));
        m.counter("gatehouse_ledger_commit_failures_total", "Transactions that failed (events refused as storage_unavailable)",
                  static_cast<double>(counters.commit_failures));
        m.histogram("gatehouse_ledger_commit_seconds", "Duration of ledger group commits", counters.commit_seconds);
        m.gauge("gatehouse_ledger_size_bytes", "Size of the ledger database and its write-ahead log",
                static_cast<double>(ledger_size_bytes()));
        m.gauge("gatehouse_terminals_configured", "Terminals in the configuration", static_cast<double>(registry.all().size()));
        m.gauge("gatehouse_terminals_online", "Terminals heard from within the heartbeat timeout",
                static_cast<double>(registry.online_count()));
        m.counter("gatehouse_replies_undeliverable_total", "Replies that could not be delivered (terminal gone)",
                  static_cast<double>(terminals.counters().replies_undeliverable));
        return m.text();
    }

    std::uintmax_t ledger_size_bytes() const {
        std::uintmax_t total = 0;
        for (const char* suffix : {"", "-wal"}) {
            std::error_code ignored;  // a missing -wal file just counts as zero
            const auto size = std::filesystem::file_size(config.ledger_path.string() + suffix, ignored);
            if (!ignored) total += size;
        }
        return total;
    }

    void reply_error(const std::string& peer, ipc::ProtocolError error, const std::string& terminal_hint) {
        ++counters.errors[static_cast<std::size_t>(error.code)];
        peer_log.warn(ipc::to_string(error.code),
                      fmt::format("refused message from {}: {}: {}",
                                  terminal_hint.empty() ? "unidentified peer" : "terminal " + terminal_hint,
                                  ipc::to_string(error.code), error.message));
        terminals.send(peer, ipc::encode(error));
    }

    TerminalState* known_terminal(const std::string& peer, const std::string& id, std::optional<std::int64_t> seq) {
        TerminalState* t = registry.find(id);
        if (!t) {
            reply_error(peer,
                        {ipc::ErrorCode::unknown_terminal, "terminal",
                         "terminal '" + id + "' is not configured on this gateway", seq},
                        id);
            return nullptr;
        }
        if (registry.note_seen(*t, peer, Clock::now())) {
            spdlog::info("terminal {} (gate {}) online", id, t->config.gate);
        }
        return t;
    }

    void handle_frame(ipc::InboundFrame& frame) {
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
                        {ipc::ErrorCode::multipart_message, "", "send each message as exactly one frame", std::nullopt},
                        "");
            return;
        }
        std::visit([&](auto&& msg) { handle(frame.peer, msg); }, ipc::decode_terminal_message(frame.payload));
    }

    void handle(const std::string& peer, const ipc::ProtocolError& error) { reply_error(peer, error, ""); }

    void handle(const std::string& peer, const ipc::Hello& hello) {
        TerminalState* t = known_terminal(peer, hello.terminal, std::nullopt);
        if (!t) return;
        t->reported_kind = hello.kind;
        t->firmware = hello.firmware;
        if (pending.empty()) pending_deadline = Clock::now() + config.commit_window;
        pending.hellos.push_back({hello.terminal, hello.kind, hello.firmware, ipc::utc_now_ms()});
        terminals.send(peer, ipc::encode(ipc::Welcome{hello.terminal, t->highest_seq,
                                                      config.heartbeat_interval.count()}));
    }

    std::optional<storage::PersonListEntry> find_listed(storage::PersonListKind list, const std::string& person) {
        try {
            if (!lists_reader) lists_reader.emplace(storage::LedgerOptions{config.ledger_path, /*read_only=*/true});
            return lists_reader->find_person(list, person);
        } catch (const storage::LedgerError& e) {
            // Without the lists the policy still decides (not_on_list when a list is required): fail secure.
            peer_log.warn("lists", fmt::format("cannot read the person lists: {}", e.what()));
            lists_reader.reset();
            return std::nullopt;
        }
    }

    void handle(const std::string& peer, const ipc::AccessRequest& request) {
        TerminalState* t = known_terminal(peer, request.terminal, std::nullopt);
        if (!t) return;
        const GateConfig* gate = config.find_gate(t->config.gate);
        const GatePolicy policy = gate ? gate->policy : GatePolicy{};
        AccessFacts facts;
        facts.request = &request;
        facts.now_ms = ipc::utc_now_ms();
        facts.deny_entry = find_listed(storage::PersonListKind::deny, request.person);
        if (policy.require_list) facts.allow_entry = find_listed(storage::PersonListKind::allow, request.person);
        facts.celsius = request.celsius;  // cameras at the gate add their screenings here (issue 3, in progress)
        const AccessOutcome outcome = decide_access(policy, facts);
        json reasons = outcome.reasons;
        if (pending.empty()) pending_deadline = Clock::now() + config.commit_window;
        pending.decisions.push_back({request.request, request.terminal, t->config.gate, request.person, request.method,
                                     outcome.grant, reasons.dump(), facts.celsius, request.health_code, outcome.alert,
                                     facts.now_ms});
        pending.decision_peers.push_back(peer);
        pending.decision_replies.push_back(ipc::encode(ipc::Decision{request.request, outcome.grant, outcome.reasons,
                                                                     facts.celsius, outcome.display_zh,
                                                                     outcome.display_en}));
        if (outcome.alert) {
            spdlog::warn("gate {}: {} allowed without a required check ({})", t->config.gate, request.person, reasons.dump());
        }
    }

    void handle(const std::string& peer, const ipc::Heartbeat& heartbeat) {
        if (known_terminal(peer, heartbeat.terminal, std::nullopt)) terminals.send(peer, ipc::encode_heartbeat());
    }

    void handle(const std::string& peer, ipc::Event& event) {
        TerminalState* t = known_terminal(peer, event.terminal, event.seq);
        if (!t) return;
        std::string why;
        if (auto refused = registry.admit_seq(*t, event.seq, why)) {
            reply_error(peer, {*refused, "seq", why, event.seq}, event.terminal);
            return;
        }
        spdlog::debug("event {}#{} {}", event.terminal, event.seq, event.kind);
        if (pending.empty()) pending_deadline = Clock::now() + config.commit_window;
        pending.events.push_back({std::move(event.terminal), event.seq, t->config.gate, std::move(event.kind),
                                  std::move(event.person), event.occurred_ms, ipc::utc_now_ms(), event.offline,
                                  std::move(event.data_json)});
        pending.peers.push_back(peer);
    }

    // Group commit: the pending batch goes to the writer as one transaction once the writer is free and the
    // batch is full or its window has passed. One batch is in flight at a time, so acks keep their order.
    void maybe_submit(Clock::time_point now, bool force) {
        if (writer.busy() || pending.empty()) return;
        if (!force && pending.events.size() < config.max_batch && now < pending_deadline) return;
        writer.submit(std::move(pending));
        submitted_at = now;
        pending = LedgerWriteBatch{};
        pending.events.reserve(config.max_batch);
        pending.peers.reserve(config.max_batch);
    }

    // Acks are sent only now, after the commit returned, so an acked event is on disk.
    void finish(const LedgerWriteResult& result) {
        send_decisions(result);
        const auto& events = result.batch.events;
        if (events.empty()) return;
        if (result.error) {
            ++counters.commit_failures;
            peer_log.warn("ledger", fmt::format("cannot commit {} events: {}", events.size(), *result.error));
            for (std::size_t i = 0; i < events.size(); ++i) {
                ++counters.errors[static_cast<std::size_t>(ipc::ErrorCode::storage_unavailable)];
                terminals.send(result.batch.peers[i],
                               ipc::encode(ipc::ProtocolError{ipc::ErrorCode::storage_unavailable, "",
                                                              "the gateway cannot store events right now; resend later",
                                                              events[i].seq}));
            }
            return;
        }
        ++counters.commits;
        counters.commit_seconds.observe(std::chrono::duration<double>(result.commit_time).count());
        counters.largest_batch = std::max<std::uint64_t>(counters.largest_batch, events.size());
        for (std::size_t i = 0; i < events.size(); ++i) {
            const bool duplicate = result.outcomes[i] == storage::AppendOutcome::duplicate;
            ++(duplicate ? counters.events_duplicate : counters.events_stored);
            if (!duplicate) ++counters.stored_by_kind[events[i].kind];
            if (hooks.on_recorded) hooks.on_recorded(events[i], result.outcomes[i]);
            terminals.send(result.batch.peers[i], ipc::encode(ipc::Ack{events[i].seq, duplicate}));
        }
    }

    // A decision is answered after the attempt to record it; if the ledger failed, the gate still gets its
    // answer (the policy was applied) and the loss of the audit row is counted and logged.
    void send_decisions(const LedgerWriteResult& result) {
        const auto& decisions = result.batch.decisions;
        for (std::size_t i = 0; i < decisions.size(); ++i) {
            ++(decisions[i].grant ? counters.decisions_granted : counters.decisions_denied);
            if (result.error) ++counters.decisions_unrecorded;
            terminals.send(result.batch.decision_peers[i], result.batch.decision_replies[i]);
        }
        if (result.error && !decisions.empty()) {
            peer_log.warn("decisions", fmt::format("{} decisions answered but not recorded: {}", decisions.size(), *result.error));
        }
    }

    // Reads what is queued, but stops at a full batch: then the socket's queue (and the terminals' unacked
    // windows) hold further messages back until the writer catches up.
    void drain_terminal_socket() {
        while (pending.events.size() < config.max_batch) {
            auto frame = terminals.try_receive();
            if (!frame) return;
            handle_frame(*frame);
        }
    }

    json status() const {
        json terminals_json = json::array();
        const auto now = Clock::now();
        for (const auto& [id, t] : registry.all()) {
            json j = {{"id", id},           {"gate", t.config.gate},     {"kind", t.config.kind},
                      {"online", t.online}, {"firmware", t.firmware},    {"events", t.events}};
            j["last_seq"] = t.highest_seq ? json(*t.highest_seq) : json(nullptr);
            j["last_seen_ms_ago"] = t.last_seen == SteadyTime{}
                                        ? json(nullptr)
                                        : json(std::chrono::duration_cast<std::chrono::milliseconds>(now - t.last_seen).count());
            terminals_json.push_back(std::move(j));
        }
        json errors = json::object();
        for (int i = 0; i < ipc::kErrorCodeCount; ++i) {
            if (counters.errors[static_cast<std::size_t>(i)]) {
                errors[ipc::to_string(static_cast<ipc::ErrorCode>(i))] = counters.errors[static_cast<std::size_t>(i)];
            }
        }
        return {{"version", kVersion},
                {"gateway", config.gateway_id},
                {"site", config.site},
                {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(now - started).count()},
                {"ledger", {{"path", config.ledger_path.string()}, {"size_bytes", ledger_size_bytes()}}},
                {"endpoints",
                 {{"terminals", terminals.bound_endpoint()},
                  {"control", config.control_endpoint},
                  {"metrics", metrics ? json(metrics->address()) : json(nullptr)}}},
                {"terminals_online", registry.online_count()},
                {"terminals", std::move(terminals_json)},
                {"counters",
                 {{"frames", counters.frames},
                  {"events_stored", counters.events_stored},
                  {"events_duplicate", counters.events_duplicate},
                  {"commits", counters.commits},
                  {"commit_failures", counters.commit_failures},
                  {"largest_batch", counters.largest_batch},
                  {"decisions_granted", counters.decisions_granted},
                  {"decisions_denied", counters.decisions_denied},
                  {"replies_undeliverable", terminals.counters().replies_undeliverable},
                  {"errors", std::move(errors)}}}};
    }

    // Control requests arrive as [routing id][empty delimiter][JSON] (REQ framing; a DEALER client sends the
    // empty frame itself) and get the same envelope back.
    void serve_control() {
        for (;;) {
            std::vector<zmq::message_t> parts;
            zmq::message_t part;
            if (!control.recv(part, zmq::recv_flags::dontwait)) return;
            parts.push_back(std::move(part));
            while (parts.back().more()) {
                zmq::message_t next;
                (void)control.recv(next, zmq::recv_flags::none);
                parts.push_back(std::move(next));
            }
            if (parts.size() != 3 || parts[1].size() != 0) continue;  // not a control client; nothing to answer
            const json request = json::parse(parts[2].to_string_view(), nullptr, false);
            const std::string cmd = request.is_object() ? request.value("cmd", "") : "";
            json reply;
            if (cmd == "status") {
                reply = {{"ok", true}, {"status", status()}};
            } else if (cmd == "metrics") {
                reply = {{"ok", true}, {"text", metrics_text()}};
            } else if (cmd == "reload") {
                reload_requested.store(true);
                reply = {{"ok", true}, {"message", "reload requested; the daemon's log says whether it was applied"}};
            } else if (!request.is_object()) {
                reply = {{"ok", false}, {"error", "request must be a JSON object with \"cmd\""}};
            } else {
                reply = {{"ok", false}, {"error", "unknown command '" + cmd + "' (status, metrics, reload)"}};
            }
            control.send(parts[0], zmq::send_flags::sndmore);
            control.send(zmq::message_t(), zmq::send_flags::sndmore);
            control.send(zmq::buffer(reply.dump()), zmq::send_flags::dontwait);
        }
    }

    void log_offline(Clock::time_point now) {
        for (const auto& id : registry.expire(now)) {
            spdlog::warn("terminal {} offline: no message for {} ms", id, config.heartbeat_timeout.count());
        }
    }

    // One line for systemd's STATUS= (shown by `systemctl status`).
    std::string status_line(Clock::time_point now) {
        const double seconds = std::chrono::duration<double>(now - last_status).count();
        const double rate = last_status == Clock::time_point{} || seconds <= 0
                                ? 0.0
                                : static_cast<double>(counters.events_stored - stored_at_last_status) / seconds;
        stored_at_last_status = counters.events_stored;
        last_status = now;
        return fmt::format("{} gates, {}/{} terminals online, {:.0f} events/s, {} events waiting to commit",
                           config.gates.size(), registry.online_count(), registry.all().size(), rate,
                           pending.events.size());
    }

    // The watchdog is fed only while every part makes progress: the loop (we are in it) and the ledger writer
    // (a commit stuck for longer than the watchdog interval means a hung disk or lock: let systemd restart us).
    void feed_watchdog(Clock::time_point now) {
        const auto interval = notifier.watchdog_interval();
        if (interval && writer.busy() && now - submitted_at > *interval) {
            peer_log.warn("watchdog", fmt::format("ledger commit running for {} ms; withholding the watchdog ping",
                                                  std::chrono::duration_cast<std::chrono::milliseconds>(now - submitted_at).count()));
            return;
        }
        notifier.watchdog_ping(now);
    }

    void reload() {
        notifier.reloading();
        GatewayConfig next;
        try {
            next = hooks.reload_config ? hooks.reload_config() : load_config_file(config.source);
        } catch (const std::exception& e) {
            spdlog::error("reload rejected, the running configuration stays: {}", e.what());
            notifier.ready(status_line(Clock::now()));
            return;
        }
        // Sockets and the ledger stay open across a reload so that no terminal is dropped; say so if the new
        // file wants them elsewhere.
        if (next.terminal_endpoint != config.terminal_endpoint || next.control_endpoint != config.control_endpoint ||
            next.ledger_path != config.ledger_path || next.max_message_bytes != config.max_message_bytes ||
            next.ledger_max_size_mb != config.ledger_max_size_mb) {
            spdlog::warn("listen.*, ledger.path, ledger.max_size_mb and limits.max_message_bytes change only at a "
                         "restart; keeping the running values");
        }
        next.terminal_endpoint = config.terminal_endpoint;
        next.control_endpoint = config.control_endpoint;
        next.ledger_path = config.ledger_path;
        next.ledger_max_size_mb = config.ledger_max_size_mb;
        next.max_message_bytes = config.max_message_bytes;
        registry.reconfigure(next.terminals);
        registry.set_limits(next.heartbeat_timeout, next.seq_window);
        spdlog::set_level(spdlog::level::from_str(next.log_level));
        config = std::move(next);
        spdlog::info("configuration reloaded from {}: {} gates, {} terminals", config.source, config.gates.size(),
                     config.terminals.size());
        notifier.ready(status_line(Clock::now()));
    }

    void run() {
        spdlog::info("gatehouse {} gateway '{}' (site '{}'): terminals on {}, control on {}, metrics on {}, ledger {}",
                     kVersion, config.gateway_id, config.site, terminals.bound_endpoint(), config.control_endpoint,
                     metrics ? "http://" + metrics->address() + "/metrics" : std::string("(disabled)"),
                     config.ledger_path.string());
        spdlog::info("limits: max message {} B, heartbeat timeout {} ms, seq window {}, commit window {} us, "
                     "max batch {}",
                     config.max_message_bytes, config.heartbeat_timeout.count(), config.seq_window,
                     config.commit_window.count(), config.max_batch);
        zmq::pollitem_t items[] = {{terminals.socket().handle(), 0, ZMQ_POLLIN, 0},
                                   {control.handle(), 0, ZMQ_POLLIN, 0},
                                   {writer.done_signal().handle(), 0, ZMQ_POLLIN, 0}};
        auto next_expiry = Clock::now();
        auto next_status = Clock::now() + std::chrono::seconds(2);
        // Ready only now: the ledger is open and every socket is bound (the constructor did both).
        notifier.ready(status_line(Clock::now()));
        while (!stop_requested.load(std::memory_order_relaxed)) {
            if (reload_requested.exchange(false)) reload();
            // A full batch waiting for the writer stops reading terminals: backpressure instead of memory growth.
            items[0].events = pending.events.size() < config.max_batch ? ZMQ_POLLIN : 0;
            auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(kIdleTick);
            if (!pending.empty() && !writer.busy()) {
                timeout = std::max(std::chrono::milliseconds(0),
                                   std::chrono::ceil<std::chrono::milliseconds>(pending_deadline - Clock::now()));
            }
            zmq::poll(items, 3, timeout);
            if (items[2].revents & ZMQ_POLLIN) {
                if (auto result = writer.take_result()) finish(*result);
            }
            if (items[0].revents & ZMQ_POLLIN) drain_terminal_socket();
            if (items[1].revents & ZMQ_POLLIN) serve_control();
            const auto now = Clock::now();
            maybe_submit(now, false);
            if (now >= next_expiry) {
                log_offline(now);
                next_expiry = now + std::chrono::milliseconds(200);
            }
            feed_watchdog(now);
            if (now >= next_status) {
                notifier.status(status_line(now));
                next_status = now + std::chrono::seconds(2);
            }
        }
        notifier.stopping();
        // Stop: everything received so far is committed and acked before returning.
        drain_terminal_socket();
        if (writer.busy()) finish(writer.wait_result());
        maybe_submit(Clock::now(), true);
        if (writer.busy()) finish(writer.wait_result());
        spdlog::info("gateway stopped: {} events stored, {} duplicates, {} errors", counters.events_stored,
                     counters.events_duplicate, counters.total_errors());
    }
};

Gateway::Gateway(GatewayConfig config, GatewayHooks hooks) {
    // The ledger opens first: a corrupt or newer file must stop start-up before any socket is bound.
    storage::LedgerOptions options{config.ledger_path};
    if (config.ledger_max_size_mb) options.max_pages = *config.ledger_max_size_mb * 1024 * 1024 / kSqlitePageSize;
    storage::Ledger ledger(options);
    const auto last_seq = ledger.last_seq_by_terminal();
    impl_ = std::make_unique<Impl>(std::move(config), std::move(hooks), std::move(ledger), last_seq);
}
Gateway::~Gateway() = default;

void Gateway::run() { impl_->run(); }
void Gateway::request_stop() { impl_->stop_requested.store(true); }
void Gateway::request_reload() { impl_->reload_requested.store(true); }
std::string Gateway::terminal_endpoint() const { return impl_->terminals.bound_endpoint(); }
std::string Gateway::control_endpoint() const { return impl_->control.get(zmq::sockopt::last_endpoint); }

}  // namespace gatehouse::daemon
