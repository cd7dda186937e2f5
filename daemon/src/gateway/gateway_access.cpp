// Gateway: access requests, camera screenings and their fusion per gate, and the alerts they raise.
#include "gateway/gateway_impl.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "gatehouse/daemon/console_messages.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon {
namespace {

using nlohmann::json;

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

bool contains(const std::vector<std::string>& items, const char* item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

}  // namespace

void Gateway::Impl::start_cameras() {
    cameras.clear();  // joins the old threads first: one runner per camera at any time
    std::map<std::string, GateFusion> next_fusion;
    for (const auto& g : config.gates) {
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
    camera_monitor.reset(config.cameras, Clock::now());
    const auto snapshots = config.ledger_path.parent_path() / "snapshots";
    for (const auto& cam : config.cameras) {
        cameras.push_back(std::make_unique<CameraRunner>(context, camera_reports_endpoint, cam,
                                                         screening_config_for(cam, *config.find_gate(cam.gate), snapshots)));
    }
}

std::optional<storage::PersonListEntry> Gateway::Impl::find_listed(storage::PersonListKind list, const std::string& person) {
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

// At a gate with a working camera, the request takes the oldest unused screening of the fusion window or, when
// the policy requires a temperature, waits for the next one (decided by on_screening or expire_fusion).
void Gateway::Impl::handle(const std::string& peer, const ipc::AccessRequest& request) {
    TerminalState* t = known_terminal(peer, request.terminal, std::nullopt);
    if (!t) return;
    const auto now = Clock::now();
    const GateConfig* gate = config.find_gate(t->config.gate);
    if (!gate || !gate->camera) {
        decide(request, peer, now, nullptr, "no_screening");
        return;
    }
    if (camera_monitor.faulted(*gate->camera)) {
        decide(request, peer, now, nullptr, "camera_fault");
        return;
    }
    GateFusion& f = fusion.at(gate->id);
    if (auto screening = f.take(now)) {
        decide(request, peer, now, &*screening, "");
        return;
    }
    if (!gate->policy.require_temperature) {
        decide(request, peer, now, nullptr, "no_screening");
        return;
    }
    f.wait({request, peer, now, now + gate->policy.fusion_window});
}

void Gateway::Impl::decide(const ipc::AccessRequest& request, const std::string& peer, Clock::time_point arrived,
                           const storage::ScreeningRecord* screening, const std::string& temperature_unavailable) {
    const TerminalState* t = registry.find(request.terminal);
    const std::string gate_id = t ? t->config.gate : "";
    const GateConfig* gate = config.find_gate(gate_id);
    const GatePolicy policy = gate ? gate->policy : GatePolicy{};
    AccessFacts facts;
    facts.request = &request;
    facts.now_ms = ipc::utc_now_ms();
    facts.deny_entry = find_listed(storage::PersonListKind::deny, request.person);
    if (policy.require_list) facts.allow_entry = find_listed(storage::PersonListKind::allow, request.person);
    facts.temperature_unavailable = temperature_unavailable;
    facts.celsius = request.celsius;  // the terminal's own reading, unless the camera has a better one
    if (screening) {
        if (screening->verdict == "uncertain") {
            facts.temperature_unavailable = "screening_uncertain";
        } else {
            facts.celsius = screening->celsius;
            facts.fever_flagged = screening->verdict == "elevated";
        }
    }
    const AccessOutcome outcome = decide_access(policy, facts);
    storage::DecisionRecord d{request.request, request.terminal, gate_id, request.person, request.method,
                              outcome.grant, json(outcome.reasons).dump(), facts.celsius, request.health_code,
                              outcome.alert, facts.now_ms};
    if (screening) {
        d.screening = screening->id;
        d.snapshot = screening->snapshot;
    }
    spdlog::debug("gate {}: {} {} ({})", gate_id, request.person, outcome.grant ? "granted" : "denied", join(outcome.reasons));
    open_batch();
    forward(storage::OutboxLane::record, "decision", gate_id, d.decided_ms, to_json(d), {d.person, d.screening, std::nullopt});
    pending.records.decisions.push_back(d);
    pending.decision_peers.push_back(peer);
    pending.decision_arrived.push_back(arrived);
    pending.decision_replies.push_back(ipc::encode(
        ipc::Decision{request.request, outcome.grant, outcome.reasons, facts.celsius, outcome.display_zh, outcome.display_en}));

    // Alerts: one per finding a guard must act on; `denied` for the other denials when configured.
    const auto& reasons = outcome.reasons;
    // Each text is written twice: with the id for the gate LAN and the ledger, with the pseudonym for upstream.
    const std::string who = request.person;
    const std::string who_upstream = upstream_person(who);
    bool specific = false;
    auto raise = [&](const char* kind, const auto& text_about) {
        raise_alert({kind, gate_id, request.terminal, who, facts.celsius, d.snapshot, text_about(who), d.screening, request.request},
                    {who, d.screening, text_about(who_upstream)});
    };
    auto alert = [&](const char* kind, const auto& text_about) {
        raise(kind, text_about);
        specific = true;
    };
    if (contains(reasons, "health_code_red")) {
        alert("health_code_red", [&](const std::string& p) { return fmt::format("Red health code: {} at gate {}", p, gate_id); });
    }
    if (contains(reasons, "health_code_yellow")) {
        alert("health_code_yellow",
              [&](const std::string& p) { return fmt::format("Yellow health code: {} at gate {}", p, gate_id); });
    }
    if (contains(reasons, "fever")) {
        if (screening && screening->verdict == "elevated") {
            specific = true;  // the camera's fever alert went out when the screening arrived
        } else {
            alert("fever", [&](const std::string& p) {
                return fmt::format("Elevated temperature {:.1f} °C: {} at gate {} (terminal reading)",
                                   facts.celsius.value_or(0.0), p, gate_id);
            });
        }
    }
    if (!outcome.grant && !specific && config.alert_on_denied) {
        raise("denied", [&](const std::string& p) { return fmt::format("{} denied at gate {}: {}", p, gate_id, join(reasons)); });
    }
    if (outcome.alert) {
        raise("unchecked_pass", [&](const std::string& p) {
            return fmt::format("{} let through at gate {} without: {}", p, gate_id, join(reasons));
        });
    }
}

void Gateway::Impl::raise_alert(AlertSpec spec, UpstreamSubject upstream) {
    open_batch();
    auto a = alerts.raise(std::move(spec), ipc::utc_now_ms());
    ++counters.alerts_by_kind[a.kind];
    spdlog::warn("alert {} {} [{}] gate {}: {}", a.id, a.kind, a.severity, a.gate.empty() ? "-" : a.gate, a.text);
    if (!upstream.person) upstream.person = a.person;
    forward(storage::OutboxLane::alert, a.kind, a.gate, a.raised_ms, to_json(a), std::move(upstream));
    pending.records.alerts.push_back(std::move(a));
}

void Gateway::Impl::raise_condition(AlertSpec spec) {
    auto a = alerts.raise_condition(std::move(spec), ipc::utc_now_ms());
    if (!a) return;
    open_batch();
    ++counters.alerts_by_kind[a->kind];
    spdlog::warn("alert {} {} [{}] gate {}: {}", a->id, a->kind, a->severity, a->gate.empty() ? "-" : a->gate, a->text);
    forward(storage::OutboxLane::alert, a->kind, a->gate, a->raised_ms, to_json(*a));
    pending.records.alerts.push_back(std::move(*a));
}

void Gateway::Impl::clear_condition(const std::string& kind, const std::string& source, const std::string& note) {
    auto action = alerts.clear_condition(kind, source, note, ipc::utc_now_ms());
    if (!action) return;
    open_batch();
    spdlog::info("alert {} ({} {}) closed: {}", action->alert, kind, source, note);
    forward(storage::OutboxLane::alert, "alert_state", "", action->at_ms, to_json(*action));
    pending.records.alert_actions.push_back(std::move(*action));
}

void Gateway::Impl::alert_on_event(const storage::EventRecord& event) {
    if (event.kind == "tamper") {
        const json data = json::parse(event.data_json, nullptr, false);
        const std::string detail = data.is_object() ? data.value("detail", std::string()) : "";
        raise_alert({"tamper", event.gate, event.terminal, std::nullopt, std::nullopt, std::nullopt,
                     fmt::format("Tamper at terminal {} (gate {}){}", event.terminal, event.gate,
                                 detail.empty() ? "" : ": " + detail)});
        return;
    }
    if (event.kind != "door") return;
    const json data = json::parse(event.data_json, nullptr, false);
    const std::string state = data.is_object() ? data.value("state", std::string()) : "";
    if (state == "forced") {
        raise_alert({"door_forced", event.gate, event.terminal, std::nullopt, std::nullopt, std::nullopt,
                     fmt::format("Door forced open at gate {} ({})", event.gate, event.terminal)});
    } else if (state == "held_open") {
        raise_alert({"door_held_open", event.gate, event.terminal, std::nullopt, std::nullopt, std::nullopt,
                     fmt::format("Door held open at gate {} ({})", event.gate, event.terminal)});
    }
}

void Gateway::Impl::drain_camera_reports() {
    zmq::message_t message;
    while (camera_reports.recv(message, zmq::recv_flags::dontwait)) {
        const json report = json::parse(message.to_string_view(), nullptr, false);
        if (!report.is_object()) continue;  // our own threads wrote it; nothing else can reach an inproc socket
        const std::string camera = report.value("camera", std::string());
        const std::string type = report.value("type", std::string());
        const auto now = Clock::now();
        if (type == "screening") {
            on_screening(camera, report["screening"]);
        } else if (type == "camera_health") {
            apply(camera_monitor.on_health(camera, report["health"], now));
        } else if (type == "camera_fault") {
            apply(camera_monitor.on_fault(camera, report.value("message", std::string("fault")), now));
        }
    }
}

void Gateway::Impl::on_screening(const std::string& camera, const json& s) {
    const CameraConfig* cam = config.find_camera(camera);
    if (!cam) return;  // a report from a camera removed by a reload, still in the queue
    const auto now = Clock::now();
    camera_monitor.on_screening(camera, now);
    storage::ScreeningRecord record;
    record.id = ++last_screening_id;
    record.camera = camera;
    record.gate = cam->gate;
    record.screened_ms = ipc::utc_now_ms();
    if (s.contains("celsius") && s["celsius"].is_number()) record.celsius = s["celsius"].get<double>();
    record.verdict = s.value("verdict", std::string("uncertain"));
    if (s.contains("reason") && s["reason"].is_string()) record.reason = s["reason"].get<std::string>();
    record.threshold_celsius = s.value("threshold", 0.0);
    if (s.contains("snapshot") && s["snapshot"].is_string()) record.snapshot = s["snapshot"].get<std::string>();
    ++counters.screenings_by_verdict[record.verdict];
    spdlog::debug("camera {}: screening {} {} {}", camera, record.id, record.verdict, record.celsius.value_or(0.0));
    open_batch();
    forward(storage::OutboxLane::record, "screening", record.gate, record.screened_ms, to_json(record),
            {std::nullopt, record.id, std::nullopt});
    pending.records.screenings.push_back(record);
    if (record.verdict == "elevated") {
        raise_alert({"fever", record.gate, camera, std::nullopt, record.celsius, record.snapshot,
                     fmt::format("Elevated temperature {:.1f} °C at gate {} (camera {})", record.celsius.value_or(0.0),
                                 record.gate, camera),
                     record.id},
                    {std::nullopt, record.id, std::nullopt});
    }
    const auto f = fusion.find(record.gate);
    if (f == fusion.end()) return;
    if (auto match = f->second.add_screening(std::move(record), now)) {
        decide(match->request.request, match->request.peer, match->request.arrived, &match->screening, "");
    }
}

void Gateway::Impl::apply(const std::vector<CameraTransition>& transitions) {
    for (const auto& t : transitions) {
        const CameraConfig* cam = config.find_camera(t.camera);
        const std::string gate = cam ? cam->gate : "";
        switch (t.kind) {
            case CameraTransition::Kind::fault:
                raise_condition({"camera_fault", gate, t.camera, std::nullopt, std::nullopt, std::nullopt,
                                 fmt::format("Camera {} at gate {} out of order: {}", t.camera, gate, t.message)});
                // Nobody waiting at this gate will be screened now: their gate's policy decides at once.
                if (auto f = fusion.find(gate); f != fusion.end()) {
                    for (auto& w : f->second.release_waiting()) decide(w.request, w.peer, w.arrived, nullptr, "camera_fault");
                }
                break;
            case CameraTransition::Kind::recovered:
                spdlog::info("camera {} at gate {} running again", t.camera, gate);
                clear_condition("camera_fault", t.camera, t.message);
                break;
            case CameraTransition::Kind::blackbody_fault:
                raise_condition({"blackbody_fault", gate, t.camera, std::nullopt, std::nullopt, std::nullopt,
                                 fmt::format("Camera {} at gate {}: {}", t.camera, gate, t.message)});
                break;
            case CameraTransition::Kind::blackbody_ok:
                clear_condition("blackbody_fault", t.camera, t.message);
                break;
        }
    }
}

void Gateway::Impl::expire_fusion(Clock::time_point now) {
    for (auto& [gate, f] : fusion) {
        auto expired = f.expire(now);
        for (auto& w : expired.requests) decide(w.request, w.peer, w.arrived, nullptr, "no_screening");
        if (!config.alert_on_tailgating) continue;
        for (const auto& s : expired.unclaimed_near_credential) {
            raise_alert({"tailgating", gate, s.camera, std::nullopt, s.celsius, s.snapshot,
                         fmt::format("Possible tailgating at gate {}: a person was screened but presented no credential",
                                     gate),
                         s.id},
                        {std::nullopt, s.id, std::nullopt});
        }
    }
}

std::optional<Clock::time_point> Gateway::Impl::next_fusion_deadline() const {
    std::optional<Clock::time_point> next;
    for (const auto& [gate, f] : fusion) {
        if (const auto d = f.next_deadline()) next = next ? std::min(*next, *d) : *d;
    }
    return next;
}

}  // namespace gatehouse::daemon
