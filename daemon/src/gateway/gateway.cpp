// The gateway's subsystems, started, reconfigured and stopped from one table; the reactor loop and the stop.
#include "gateway/gateway_impl.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "gatehouse/daemon/private_files.hpp"
#include "gatehouse/ipc/curve_keys.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/version.hpp"

namespace gatehouse::daemon {
namespace {

// The loop wakes at least this often to notice a stop request and expire silent terminals.
constexpr auto kIdleTick = std::chrono::milliseconds(50);
constexpr auto kCheckEvery = std::chrono::milliseconds(200);
constexpr auto kStatusEvery = std::chrono::seconds(2);
// SQLite's default page size, which the ledger keeps; converts the configured size cap into pages.
constexpr std::int64_t kSqlitePageSize = 4096;
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

// A raw "filesystem error: Permission denied" names neither the user nor the fix; an installer needs both.
[[noreturn]] void throw_ledger_directory_problem(const std::filesystem::path& ledger, const std::string& error) {
    const passwd* pw = ::getpwuid(::geteuid());
    const std::string user = pw ? pw->pw_name : std::to_string(::geteuid());
    const std::string dir = ledger.has_parent_path() ? ledger.parent_path().string() : std::string(".");
    throw std::runtime_error(fmt::format(
        "cannot use the ledger's directory {} (ledger.path {}) as user {}: {}. Fix: give the directory to the service "
        "user (chown -R {}: {} && chmod 0700 {}); under systemd a ledger outside /var/lib/gatehouse also needs "
        "ReadWritePaths={} in a drop-in (systemctl edit gatehoused); if the ledger was moved, correct ledger.path",
        dir, ledger.string(), user, error, user, dir, dir, dir));
}

std::filesystem::path default_snapshot_dir(const GatewayConfig& config) {
    return config.ledger_path.parent_path() / "snapshots";
}

// Camera settings are checked before anything starts (and before a reload is accepted), so that a bad reference
// or threshold is refused with its reason.
void check_cameras(const GatewayConfig& config) {
    for (const auto& cam : config.cameras) (void)screening_config_for(cam, *config.find_gate(cam.gate), default_snapshot_dir(config));
}

std::string key_list(const std::vector<std::string>& keys) {
    std::string out;
    for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k;
    return out;
}

}  // namespace

std::optional<Pseudonymiser> load_pseudonymiser(const PrivacyConfig& privacy) {
    if (!privacy.pseudonymise_upstream) return std::nullopt;
    try {
        return Pseudonymiser::from_file(*privacy.site_secret_file);
    } catch (const std::runtime_error& e) {
        throw ConfigError(e.what());
    }
}

Gateway::Impl::Impl(GatewayConfig c, GatewayHooks h)
    : config(std::move(c)), hooks(std::move(h)), batch(config.max_batch, config.commit_window) {
    commits.set_on_recorded(hooks.on_recorded);
    subsystems = subsystem_table();
    // The reactor's sockets, in the order their handlers run after a poll: a finished commit first (its acks free
    // the terminals' windows), then the cameras, the terminals, the control socket and the consoles.
    reactor.watch("ledger", [this] { return writer ? &writer->done_signal() : nullptr; }, [this] { on_commit_done(); });
    reactor.watch_fd("cameras", camera_reports.signal_fd(), [this] { drain_camera_reports(); });
    reactor.watch("terminals", [this] { return terminals ? &terminals->socket() : nullptr; },
                  [this] { drain_terminal_socket(); }, [this] { return !batch.full(); });
    reactor.watch("control", [this] { return control.get(); }, [this] { serve_control(); });
    reactor.watch("terminal_monitor", [this] { return terminal_monitor.get(); }, [this] { drain_terminal_monitor(); });
    reactor.watch_fd("adapters", adapter_inbox.signal_fd(), [this] { drain_adapter_inbox(); });
    reactor.watch("consoles", [this] { return consoles ? &consoles->socket() : nullptr; }, [this] {
        // One subscription at a time, each inside the boundary; bounded so that a failing socket cannot spin here.
        for (int i = 0; i < 10000; ++i) {
            bool more = false;
            boundary.run("consoles", [&] { more = consoles->read_subscription(); });
            if (!more) break;
        }
    });
}

Gateway::Impl::~Impl() { teardown(); }

// The table: start-up runs it top to bottom, teardown bottom to top, and a reload calls `apply` of each subsystem
// whose live keys changed, in this order. Which keys each one owns (live or at a restart) is in config_keys().
std::vector<Subsystem> Gateway::Impl::subsystem_table() {
    return {
        {"logging", [] {}, [] {},
         // The service configured logging before the gateway started; a reload changes the level.
         [](const GatewayConfig& next) { spdlog::set_level(spdlog::level::from_str(next.log_level)); }},
        {"ledger",
         [this] {
             // The ledger opens first: a corrupt or newer file must stop start-up before any socket is bound. Its
             // directory is created private, and what exists already is checked before the ledger reads it.
             try {
                 if (config.ledger_path.has_parent_path()) create_private_directory(config.ledger_path.parent_path());
                 ledger_lock.emplace(config.ledger_path);  // one ledger, one daemon: before it is read or anything bound
             } catch (const LedgerInUse&) {
                 throw;
             } catch (const std::exception& e) {
                 throw_ledger_directory_problem(config.ledger_path, e.what());
             }
             for (const auto& dir : snapshot_directories(config)) {
                 try {
                     create_private_directory(dir);
                 } catch (const std::exception& e) {
                     // A camera that cannot write evidence is the camera's fault to report, not a reason to keep the
                     // gate shut.
                     spdlog::warn("snapshots: {}", e.what());
                 }
             }
             enforce_private_storage(config);
             report_shared_ledger_directory(config);
             storage::LedgerOptions options{config.ledger_path};
             options.gateway_id = config.gateway_id;
             options.outbox_limits = config.forwarding.limits;
             if (config.ledger_max_size_mb) options.max_pages = *config.ledger_max_size_mb * 1024 * 1024 / kSqlitePageSize;
             storage::Ledger ledger(options);
             enforce_private_storage(config);  // -wal and -shm exist only now
             start_state.last_seq = ledger.last_seq_by_terminal();
             start_state.last_alert_id = ledger.max_alert_id();
             start_state.last_screening_id = ledger.max_screening_id();
             start_state.unclosed_alerts = ledger.alerts(0, /*open_only=*/true);
             alerts = std::make_unique<AlertBook>(start_state.last_alert_id, std::move(start_state.unclosed_alerts));
             last_screening_id = start_state.last_screening_id;
             writer = std::make_unique<LedgerWriter>(std::move(ledger), context);
         },
         [this] {
             lists_reader.reset();
             writer.reset();  // finishes the batch in flight, if any
             ledger_lock.reset();
         },
         [this](const GatewayConfig& next) { batch.set_limits(next.max_batch, next.commit_window); }},
        {"sockets",
         [this] {
             zap = start_zap_handler(context, config);
             terminals = std::make_unique<ipc::TerminalEndpoint>(context, config.terminal_endpoint,
                                                                 config.max_message_bytes, server_key.secret);
             start_terminal_monitor();
             control = std::make_unique<zmq::socket_t>(context, zmq::socket_type::router);
             control->set(zmq::sockopt::linger, 0);
             control->set(zmq::sockopt::maxmsgsize, kMaxControlMessageBytes);
             // A local ipc:// control socket is guarded by its file mode; over TCP only listed admins get in.
             if (!server_key.secret.empty() && config.control_endpoint.rfind("tcp://", 0) == 0) {
                 ipc::configure_curve_server(*control, server_key.secret, kControlZapDomain);
             }
             prepare_ipc_directory(config.control_endpoint);
             try {
                 control->bind(config.control_endpoint);
             } catch (const zmq::error_t& e) {
                 throw std::runtime_error("cannot bind control socket " + config.control_endpoint + ": " + e.what());
             }
             open_ipc_socket_to_group(config.control_endpoint);
             control_endpoint = control->get(zmq::sockopt::last_endpoint);
             control_inproc = fmt::format("inproc://gatehouse-control-{}", static_cast<const void*>(this));
             control->bind(control_inproc);
         },
         [this] {
             control.reset();
             terminal_monitor.reset();
             terminals.reset();
             zap.reset();  // after the sockets it authenticates
         },
         [this](const GatewayConfig& next) { update_zap_policy(next); }},
        {"terminals",
         [this] {
             registry = std::make_unique<TerminalRegistry>(config.terminals, config.heartbeat_timeout, config.seq_window);
             registry->seed_last_seq(start_state.last_seq);
             admission = std::make_unique<Admission>(*registry, AdmissionLimits::from(config));
         },
         [this] {
             admission.reset();
             registry.reset();
         },
         [this](const GatewayConfig& next) {
             registry->reconfigure(next.terminals);
             registry->set_limits(next.heartbeat_timeout, next.seq_window);
             admission->set_limits(AdmissionLimits::from(next));
             update_zap_policy(next);
         }},
        {"consoles",
         [this] {
             if (config.console_endpoint.empty()) return;
             consoles = std::make_unique<ConsolePublisher>(context, config.console_endpoint, config.console_queue,
                                                           ConsoleSecurity{server_key.secret, console_scopes(config)});
             consoles_inproc = fmt::format("inproc://gatehouse-consoles-{}", static_cast<const void*>(this));
             consoles->mirror_in_process(consoles_inproc);
         },
         [this] { consoles.reset(); },
         [this](const GatewayConfig& next) {
             update_zap_policy(next);
             if (!consoles) return;
             consoles->set_queue(next.console_queue);
             // A console removed, re-keyed or narrowed keeps what it was admitted with as long as its connection
             // lasts, so then every console is cut and must reconnect under the new rules; a console added is not.
             const auto& kept = next.console_clients;
             const bool revoked = std::any_of(config.console_clients.begin(), config.console_clients.end(),
                                              [&](const auto& c) { return std::find(kept.begin(), kept.end(), c) == kept.end(); });
             if (revoked && zap) {
                 consoles->reopen(console_scopes(next));
                 spdlog::warn("reload revoked or narrowed a console's key or topics: every console was disconnected "
                              "and reconnects under the new [[consoles]] (live messages until then are missed; the "
                              "ledger has them)");
             } else {
                 consoles->set_scopes(console_scopes(next));
             }
         }},
        {"cameras", [this] { start_cameras(config); }, [this] { cameras.clear(); },
         [this](const GatewayConfig& next) {
             const bool cameras_changed = [&] {
                 if (next.cameras != config.cameras) return true;
                 for (const auto& cam : next.cameras) {
                     if (next.find_gate(cam.gate)->policy.fever_threshold != config.find_gate(cam.gate)->policy.fever_threshold) {
                         return true;
                     }
                 }
                 return false;
             }();
             if (cameras_changed) {
                 spdlog::info("camera configuration changed: restarting the cameras");
                 start_cameras(next);
             }
             for (auto& [gate, f] : fusion) {
                 if (const GateConfig* g = next.find_gate(gate)) f.set_window(g->policy.fusion_window);
             }
         }},
        {"retention",
         [this] {
             retention = std::make_unique<RetentionPurger>(config.ledger_path, config.retention, snapshot_directories(config));
         },
         [this] { retention.reset(); },
         [this](const GatewayConfig& next) { retention->reconfigure(next.retention, snapshot_directories(next)); }},
        {"forwarding",
         [this] {
             pseudonymiser = load_pseudonymiser(config.privacy);
             start_forwarding(config);
         },
         [this] {
             // Whatever the final commits put in the outbox is sent by the next run.
             batch.set_upstream({});
             forwarder.reset();
         },
         [this](const GatewayConfig& next) {
             // Everything that can fail is made before the running forwarder is replaced, so that a failure leaves
             // it running as it was.
             std::optional<Pseudonymiser> next_pseudonymiser = load_pseudonymiser(next.privacy);
             std::unique_ptr<forwarding::Forwarder> next_forwarder;
             if (next.forwarding.active()) {
                 next_forwarder = std::make_unique<forwarding::Forwarder>(
                     next.forwarding, next.ledger_path, forwarding::SinkIdentity{config.gateway_id, config.site, next.time_zone()});
             }
             writer->set_outbox_limits(next.forwarding.limits);
             // Records already in the outbox keep the pseudonym they were written with (see docs/privacy.md).
             pseudonymiser = std::move(next_pseudonymiser);
             forwarder = std::move(next_forwarder);
             batch.set_upstream({forwarder != nullptr, pseudonymiser ? &*pseudonymiser : nullptr});
             spdlog::info("forwarding {}", forwarder ? "restarted with the new [forwarding]" : "off");
         }},
        // The daily report upstream: its schedule reads gateway.timezone and [reports], and also keys other
        // subsystems own (gates, retention, the sinks, the pseudonyms), so a reload with any change rebuilds it
        // (reload() below); here the zone is resolved first, so an unknown one keeps the running schedule.
        {"reports", [this] { start_report_scheduler(config); }, [this] { report_scheduler.reset(); },
         [](const GatewayConfig& next) { (void)next.time_zone(); }},
        {"fleet", [this] { start_fleet(config); }, [this] { fleet.reset(); }, [this](const GatewayConfig& next) { start_fleet(next); }},
        {"metrics",
         [this] {
             if (!config.metrics_listen.empty()) {
                 metrics = std::make_unique<MetricsServer>(config.metrics_listen, [this] { return fetch_metrics(); });
             }
         },
         [this] { metrics.reset(); },
         [this](const GatewayConfig& next) {
             // The old endpoint goes first (it may be the address asked for), then the new one binds.
             metrics.reset();
             if (!next.metrics_listen.empty()) {
                 metrics = std::make_unique<MetricsServer>(next.metrics_listen, [this] { return fetch_metrics(); });
             }
         }},
        // Last: it is a client of the control socket and the console publication, over their in-process endpoints.
        // Every [web] key waits for a restart (its sessions and live streams last as long as the daemon), and a
        // reload runs on the reactor, which must never wait for the web threads; the users file is followed live.
        {"web",
         [this] {
             if (!config.web.enabled()) return;
             web_console =
                 std::make_unique<web::WebConsole>(config, web::GatewayEndpoints{&context, control_inproc, consoles_inproc});
         },
         [this] { web_console.reset(); },
         [](const GatewayConfig&) {}},
        // Vendor terminals over HTTP (docs/adapters.md), once everything their messages go through runs. Stopping
        // ends the waits of requests in flight first: their devices are answered 503 and resend.
        {"adapters", [this] { start_adapters(config); },
         [this] {
             adapter_inbox.close();
             adapter_servers.clear();
         },
         [this](const GatewayConfig& next) { reconfigure_adapters(next); }},
    };
}

std::vector<std::string_view> Gateway::subsystem_names() {
    return {"logging", "ledger",     "sockets",    "terminals", "consoles", "cameras",
            "retention", "forwarding", "reports", "fleet", "metrics",   "web",     "adapters"};
}

void Gateway::Impl::start() {
    // Before anything opens: the configuration's transport security, the server's key (a missing or exposed key
    // stops start-up before the ledger is touched), the site secret and the cameras' settings.
    check_transport_security(config);
    server_key = load_server_key(config);
    (void)load_pseudonymiser(config.privacy);
    check_cameras(config);
    for (auto& s : subsystems) {
        spdlog::debug("start-up: {}", s.name);
        s.start();
        ++started_subsystems;
    }
}

void Gateway::Impl::teardown() noexcept {
    while (started_subsystems > 0) {
        auto& s = subsystems[--started_subsystems];
        try {
            s.stop();
        } catch (const std::exception& e) {
            spdlog::error("stopping {}: {}", s.name, e.what());
        } catch (...) {
            spdlog::error("stopping {}: unknown error", s.name);
        }
    }
}

void Gateway::Impl::start_cameras(const GatewayConfig& c) {
    cameras.clear();  // joins the old threads first: one runner per camera at any time
    std::map<std::string, GateFusion> next_fusion;
    for (const auto& g : c.gates) {
        if (!g.camera) continue;
        // Keep a gate's window state (waiting requests, unused screenings) across a reload.
        auto old = fusion.find(g.id);
        if (old != fusion.end()) {
            old->second.set_window(g.policy.fusion_window);
            next_fusion.emplace(g.id, std::move(old->second));
        } else {
            next_fusion.emplace(g.id, GateFusion(g.policy.fusion_window));
        }
    }
    // Requests waiting at a gate that no longer has a camera are decided now rather than left hanging.
    for (auto& [gate, f] : fusion) {
        if (next_fusion.count(gate)) continue;
        for (auto& w : f.release_waiting()) decide(w.request, w.peer, w.arrived, nullptr, "camera_fault");
    }
    fusion = std::move(next_fusion);
    camera_monitor.reset(c.cameras, SteadyClock::now());
    for (const auto& cam : c.cameras) {
        cameras.push_back(std::make_unique<CameraRunner>(
            camera_reports, cam, screening_config_for(cam, *c.find_gate(cam.gate), default_snapshot_dir(c))));
    }
}

void Gateway::Impl::start_forwarding(const GatewayConfig& c) {
    if (c.forwarding.active()) {
        forwarder = std::make_unique<forwarding::Forwarder>(c.forwarding, c.ledger_path,
                                                            forwarding::SinkIdentity{c.gateway_id, c.site, c.time_zone()});
        for (const auto& sink : c.forwarding.sinks) spdlog::info("forwarding to sink '{}'", sink.name);
        spdlog::info("upstream records name persons {}", pseudonymiser ? "by pseudonym (privacy.pseudonymise_upstream)"
                                                                       : "by their id (privacy.pseudonymise_upstream = false)");
    } else {
        spdlog::info("forwarding off (no [forwarding] sinks enabled): records stay in the ledger only");
    }
    batch.set_upstream({forwarder != nullptr, pseudonymiser ? &*pseudonymiser : nullptr});
}

void Gateway::Impl::update_zap_policy(const GatewayConfig& c) {
    if (zap) zap->update_policy(zap_policy(c));
}

// A reload validates the new file as start-up would, then gives each subsystem the live keys it owns that
// changed; keys that take effect only at a restart keep their running value, so that what status shows is what
// runs. The report says which is which (the log, and the reply to `gatehouse reload`).
ReloadReport Gateway::Impl::reload() {
    notifier.reloading();
    ReloadReport report;
    GatewayConfig next;
    try {
        next = hooks.reload_config ? hooks.reload_config() : load_config_file(config.source);
        check_transport_security(next);
        check_cameras(next);
        (void)load_pseudonymiser(next.privacy);
    } catch (const std::exception& e) {
        report.error = e.what();
        spdlog::error("reload rejected, the running configuration stays: {}", report.error);
        notifier.ready(status_line(SteadyClock::now()));
        return report;
    }
    report.accepted = true;
    const auto changed = changed_keys(config, next);
    for (const ConfigKey* k : changed) {
        if (k->apply != KeyApply::restart) continue;
        k->keep(config, next);
        report.restart_required.emplace_back(k->name);
    }
    for (auto& s : subsystems) {
        std::vector<const ConfigKey*> mine;
        for (const ConfigKey* k : changed) {
            if (k->apply == KeyApply::live && k->subsystem == s.name) mine.push_back(k);
        }
        if (mine.empty()) continue;
        try {
            s.apply(next);
            for (const ConfigKey* k : mine) report.applied.emplace_back(k->name);
        } catch (const std::exception& e) {
            for (const ConfigKey* k : mine) {
                k->keep(config, next);
                report.failed.push_back({std::string(k->name), e.what()});
            }
            spdlog::error("reload: {} could not take its new settings, the running ones stay: {}", s.name, e.what());
        }
    }
    config = std::move(next);
    if (!changed.empty()) start_report_scheduler(config);
    if (changed.empty()) {
        spdlog::info("configuration reloaded from {}: nothing changed", config.source);
    } else {
        spdlog::info("configuration reloaded from {}: applied: {}", config.source,
                     report.applied.empty() ? "-" : key_list(report.applied));
    }
    if (!report.restart_required.empty()) {
        spdlog::warn("reload: {} take effect only at a restart; the running values stay until then",
                     key_list(report.restart_required));
    }
    notifier.ready(status_line(SteadyClock::now()));
    return report;
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

void Gateway::Impl::check_terminals(SteadyTime now) {
    for (const auto& id : registry->expire(now)) {
        spdlog::warn("terminal {} offline: no message for {} ms", id, config.heartbeat_timeout.count());
        const TerminalState* t = registry->find(id);
        raise_condition({"terminal_offline", t ? t->config.gate : "", id, std::nullopt, std::nullopt, std::nullopt,
                         fmt::format("Terminal {} silent for {} s", id, config.heartbeat_timeout.count() / 1000.0)});
    }
}

// One line for systemd's STATUS= (shown by `systemctl status`).
std::string Gateway::Impl::status_line(SteadyTime now) {
    const double seconds = std::chrono::duration<double>(now - last_status).count();
    const double rate = last_status == SteadyTime{} || seconds <= 0
                            ? 0.0
                            : static_cast<double>(counters.events_stored - stored_at_last_status) / seconds;
    stored_at_last_status = counters.events_stored;
    last_status = now;
    std::size_t cameras_up = 0;
    for (const auto& [id, cam] : camera_monitor.all()) cameras_up += cam.state == "running" ? 1 : 0;
    return fmt::format("{} gates, {}/{} terminals online, {}/{} cameras up, {:.0f} events/s, {} open alerts, "
                       "{} events waiting to commit",
                       config.gates.size(), registry->online_count(), registry->all().size(), cameras_up,
                       config.cameras.size(), rate, alerts->unclosed().size(), batch.events());
}

// The watchdog is fed only while every part makes progress: the loop (we are in it), the ledger writer (a commit
// stuck for longer than the watchdog interval means a hung disk or lock), each camera thread and the forwarder:
// let systemd restart us when one of them hangs. A camera that merely has no frames is not hung: its thread keeps
// reporting faults at least every max_backoff while it retries, so only a thread silent for longer than that (stuck
// in a driver call) withholds the ping.
void Gateway::Impl::feed_watchdog(SteadyTime now) {
    const auto interval = notifier.watchdog_interval();
    if (!interval) return;
    auto withhold = [&](const std::string& part, SteadyClock::duration stuck) {
        log.warn("watchdog", fmt::format("{} making no progress for {} ms; withholding the watchdog ping", part,
                                         std::chrono::duration_cast<std::chrono::milliseconds>(stuck).count()));
    };
    if (writer->busy() && now - submitted_at > *interval) return withhold("ledger commit", now - submitted_at);
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

void Gateway::Impl::run() {
    spdlog::info("gatehouse {} gateway '{}' (site '{}'): terminals on {}, consoles on {}, control on {}, metrics on {}, "
                 "ledger {}",
                 kVersion, config.gateway_id, config.site, terminals->bound_endpoint(),
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
    auto next_check = SteadyClock::now();
    auto next_status = SteadyClock::now() + kStatusEvery;
    // Ready only now: the ledger is open, every socket is bound and the cameras are starting.
    notifier.ready(status_line(SteadyClock::now()));
    while (!stop_requested.load(std::memory_order_relaxed)) {
        if (reload_requested.exchange(false)) boundary.run("reload", [&] { (void)reload(); });
        auto wake = SteadyClock::now() + kIdleTick;
        if (!batch.empty() && !writer->busy()) wake = std::min(wake, batch.deadline());
        if (const auto fusion_deadline = next_fusion_deadline()) wake = std::min(wake, *fusion_deadline);
        reactor.poll_once(wake);
        const auto now = SteadyClock::now();
        boundary.run("timers", [&] {
            expire_fusion(now);
            if (now >= next_check) {
                check_terminals(now);
                check_forwarding();
                queue_scheduled_reports();
                apply(camera_monitor.check_stalls(now));
                next_check = now + kCheckEvery;
            }
            submit_if_due(now, false);
            publish_fleet_status(now);
            feed_watchdog(now);
            if (now >= next_status) {
                notifier.status(status_line(now));
                next_status = now + kStatusEvery;
            }
        });
    }
    finish_on_stop();
}

// Stop: cameras first (nothing new arrives from them), then everything received so far is decided, committed and
// answered before returning. The other subsystems stop when the gateway is destroyed, in reverse start-up order.
void Gateway::Impl::finish_on_stop() {
    notifier.stopping();
    cameras.clear();
    boundary.run("stop", [&] {
        drain_camera_reports();
        drain_terminal_socket();
        for (auto& [gate, f] : fusion) {
            for (auto& w : f.release_waiting()) decide(w.request, w.peer, w.arrived, nullptr, "no_screening");
        }
    });
    auto finish_waiting = [this] {
        if (!writer->busy()) return;
        auto result = writer->wait_result();
        boundary.run("ledger", [&] { after_commit(commits.finish(result, SteadyClock::now())); });
    };
    finish_waiting();
    submit_if_due(SteadyClock::now(), true);
    finish_waiting();
    // Alerts raised while finishing the last batch (a door forced just before the stop) are committed too.
    submit_if_due(SteadyClock::now(), true);
    finish_waiting();
    spdlog::info("gateway stopped: {} events stored, {} duplicates, {} errors, {} decisions, {} alerts open",
                 counters.events_stored, counters.events_duplicate, counters.total_errors(),
                 counters.decisions_granted + counters.decisions_denied, alerts->unclosed().size());
}

Gateway::Gateway(GatewayConfig config, GatewayHooks hooks) : impl_(std::make_unique<Impl>(std::move(config), std::move(hooks))) {
    impl_->start();  // on failure ~Impl stops what had started
}
Gateway::~Gateway() = default;

void Gateway::run() { impl_->run(); }
void Gateway::request_stop() { impl_->stop_requested.store(true); }
void Gateway::request_reload() { impl_->reload_requested.store(true); }
std::string Gateway::terminal_endpoint() const { return impl_->terminals->bound_endpoint(); }
std::string Gateway::control_endpoint() const { return impl_->control_endpoint; }
std::string Gateway::console_endpoint() const {
    return impl_->consoles ? impl_->consoles->bound_endpoint() : std::string();
}
std::string Gateway::metrics_address() const { return impl_->metrics ? impl_->metrics->address() : std::string(); }
std::string Gateway::web_url() const { return impl_->web_console ? impl_->web_console->url() : std::string(); }

}  // namespace gatehouse::daemon
