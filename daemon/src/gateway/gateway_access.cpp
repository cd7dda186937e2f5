// Gateway: access requests, camera screenings and their fusion per gate, and the alerts they raise.
#include "gateway/gateway_impl.hpp"

#include <spdlog/spdlog.h>

#include "gatehouse/ipc/json_writer.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon {

std::optional<storage::PersonListEntry> Gateway::Impl::find_listed(storage::PersonListKind list, const std::string& person) {
    try {
        if (!lists_reader) lists_reader.emplace(storage::LedgerOptions{config.ledger_path, /*read_only=*/true});
        return lists_reader->find_person(list, person);
    } catch (const storage::LedgerError& e) {
        // Without the lists the policy still decides (not_on_list when a list is required): fail secure.
        log.warn("lists", fmt::format("cannot read the person lists: {}", e.what()));
        lists_reader.reset();
        return std::nullopt;
    }
}

// At a gate with a working camera, the request takes the oldest unused screening of the fusion window or, when
// the policy requires a temperature, waits for the next one (decided by on_report(CameraScreening) or expire_fusion).
void Gateway::Impl::on_access_request(const std::string& peer, const TerminalState& terminal,
                                      const ipc::AccessRequest& request) {
    const auto now = SteadyClock::now();
    const GateConfig* gate = config.find_gate(terminal.config.gate);
    if (!gate || !gate->camera) {
        decide(request, peer, now, nullptr, "no_screening");
        return;
    }
    const auto gate_fusion = fusion.find(gate->id);
    if (camera_monitor.faulted(*gate->camera) || gate_fusion == fusion.end()) {
        decide(request, peer, now, nullptr, "camera_fault");
        return;
    }
    GateFusion& f = gate_fusion->second;
    if (auto screening = f.take(now)) {
        decide(request, peer, now, &*screening, "");
        return;
    }
    if (!policy_of(*gate).require_temperature) {
        decide(request, peer, now, nullptr, "no_screening");
        return;
    }
    f.wait({request, peer, now, now + gate->policy.fusion_window});
}

void Gateway::Impl::decide(const ipc::AccessRequest& request, const std::string& peer, SteadyTime arrived,
                           const storage::ScreeningRecord* screening, const std::string& temperature_unavailable) {
    const TerminalState* t = registry->find(request.terminal);
    const std::string gate_id = t ? t->config.gate : "";
    const GateConfig* gate = config.find_gate(gate_id);
    const GatePolicy policy = gate ? policy_of(*gate) : GatePolicy{};
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
    const std::optional<std::string> health_code =
        request.health_code ? std::optional<std::string>(ipc::to_string(*request.health_code)) : std::nullopt;
    storage::DecisionRecord d{request.request, request.terminal, gate_id, request.person, ipc::to_string(request.method),
                              outcome.grant, ipc::encode_json_text_array(outcome.reasons), facts.celsius, health_code,
                              outcome.alert, facts.now_ms};
    if (screening) {
        d.screening = screening->id;
        d.snapshot = screening->snapshot;
    }
    spdlog::debug("gate {}: {} {}", gate_id, request.person, outcome.grant ? "granted" : "denied");
    const DecidedRequest decided{&request, gate_id, &outcome, facts.celsius, screening};
    const auto drafts = alerts_for_decision(decided, config.alert_on_denied, pseudonymiser ? &*pseudonymiser : nullptr);
    const std::optional<std::int64_t> screening_id = d.screening;
    batch.add_decision(std::move(d),
                       {peer,
                        ipc::encode(ipc::Decision{request.request, outcome.grant, outcome.reasons, facts.celsius,
                                                  outcome.display_zh, outcome.display_en}),
                        arrived});
    for (const auto& draft : drafts) raise_alert(draft, screening_id);
}

RaisedAlert Gateway::Impl::raise(const AlertDraft& draft, std::optional<std::int64_t> screening) {
    AlertSpec spec = draft.spec;
    if (!spec.screening) spec.screening = screening;  // the ledger's alert names it too (the daily report's re-checks)
    return {alerts->raise(std::move(spec), ipc::utc_now_ms()), draft.upstream_text, screening};
}

void Gateway::Impl::raise_alert(const AlertDraft& draft, std::optional<std::int64_t> screening) {
    batch.add_alert(raise(draft, screening));
}

void Gateway::Impl::raise_condition(AlertSpec spec) {
    if (auto a = alerts->raise_condition(std::move(spec), ipc::utc_now_ms())) {
        batch.add_alert({std::move(*a), std::nullopt, std::nullopt});
    }
}

void Gateway::Impl::clear_condition(const std::string& kind, const std::string& source, const std::string& note) {
    auto change = alerts->clear_condition(kind, source, note, ipc::utc_now_ms());
    if (!change) return;
    spdlog::info("alert {} ({} {}) closed: {}", change->action.alert, kind, source, note);
    batch.add_alert_action(std::move(change->action), change->alert);
}

void Gateway::Impl::drain_camera_reports() {
    for (auto& report : camera_reports.take()) {
        boundary.run("cameras", [&] { std::visit([this](const auto& r) { on_report(r); }, report); });
    }
}

void Gateway::Impl::on_report(const CameraHealthReport& report) {
    apply(camera_monitor.on_health(report.camera, report.health, SteadyClock::now()));
}

void Gateway::Impl::on_report(const CameraFault& report) {
    apply(camera_monitor.on_fault(report.camera, report.message, SteadyClock::now()));
}

void Gateway::Impl::on_report(const CameraScreening& report) {
    const CameraConfig* cam = config.find_camera(report.camera);
    if (!cam) return;  // a report from a camera removed by a reload, still in the queue
    const auto now = SteadyClock::now();
    camera_monitor.on_screening(report.camera, now);
    const vision::Screening& s = report.screening;
    storage::ScreeningRecord record;
    record.id = ++last_screening_id;
    record.camera = report.camera;
    record.gate = cam->gate;
    record.screened_ms = ipc::utc_now_ms();
    record.celsius = s.celsius;
    record.verdict = std::string(vision::to_string(s.verdict));
    if (s.reason != vision::UncertainReason::none) record.reason = std::string(vision::to_string(s.reason));
    record.threshold_celsius = s.threshold_celsius;
    record.snapshot = s.snapshot;
    ++counters.screenings_by_verdict[record.verdict];
    spdlog::debug("camera {}: screening {} {} {}", report.camera, record.id, record.verdict, record.celsius.value_or(0.0));
    batch.add_screening(record);
    if (record.verdict == "elevated") {
        raise_alert({{"fever", record.gate, report.camera, std::nullopt, record.celsius, record.snapshot,
                      fmt::format("Elevated temperature {:.1f} °C at gate {} (camera {})", record.celsius.value_or(0.0),
                                  record.gate, report.camera)},
                     std::nullopt},
                    record.id);
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
                spdlog::info("camera {} at gate {} running: {}", t.camera, gate, t.message);
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

void Gateway::Impl::expire_fusion(SteadyTime now) {
    for (auto& [gate, f] : fusion) {
        auto expired = f.expire(now);
        for (auto& w : expired.requests) decide(w.request, w.peer, w.arrived, nullptr, "no_screening");
        if (!config.alert_on_tailgating) continue;
        for (const auto& s : expired.unclaimed_near_credential) {
            raise_alert({{"tailgating", gate, s.camera, std::nullopt, s.celsius, s.snapshot,
                          fmt::format("Possible tailgating at gate {}: a person was screened but presented no credential",
                                      gate)},
                         std::nullopt},
                        s.id);
        }
    }
}

std::optional<SteadyTime> Gateway::Impl::next_fusion_deadline() const {
    std::optional<SteadyTime> next;
    for (const auto& [gate, f] : fusion) {
        if (const auto d = f.next_deadline()) next = next ? std::min(*next, *d) : *d;
    }
    return next;
}

}  // namespace gatehouse::daemon
