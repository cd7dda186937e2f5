#include "gatehouse/daemon/alert_rules.hpp"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

namespace gatehouse::daemon {
namespace {

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

bool contains(const std::vector<std::string>& items, const char* item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

// An alert about a person: its text is written for the id and, when the upstream gets pseudonyms, again for the
// pseudonym.
AlertDraft about_person(AlertSpec spec, const std::string& person, const Pseudonymiser* pseudonymiser,
                        const std::function<std::string(const std::string&)>& text_about) {
    spec.text = text_about(person);
    spec.person = person;
    std::optional<std::string> upstream;
    if (pseudonymiser) upstream = text_about(pseudonymiser->pseudonym(person));
    return {std::move(spec), std::move(upstream)};
}

}  // namespace

std::vector<AlertDraft> alerts_for_event(const ipc::Event& event, const GateConfig& gate,
                                         const Pseudonymiser* pseudonymiser) {
    std::vector<AlertDraft> out;
    const std::string& terminal = event.terminal;
    auto plain = [&](const char* kind, std::string text) {
        out.push_back({{kind, gate.id, terminal, std::nullopt, std::nullopt, std::nullopt, std::move(text)}, std::nullopt});
    };
    if (const auto* tamper = std::get_if<ipc::TamperData>(&event.data)) {
        plain("tamper", fmt::format("Tamper at terminal {} (gate {}){}", terminal, gate.id,
                                    tamper->detail ? ": " + *tamper->detail : std::string()));
    } else if (const auto* door = std::get_if<ipc::DoorData>(&event.data)) {
        if (door->state == ipc::DoorState::forced) {
            plain("door_forced", fmt::format("Door forced open at gate {} ({})", gate.id, terminal));
        } else if (door->state == ipc::DoorState::held_open) {
            plain("door_held_open", fmt::format("Door held open at gate {} ({})", gate.id, terminal));
        }
    } else if (const auto* code = std::get_if<ipc::HealthCodeData>(&event.data)) {
        if (code->color != ipc::HealthCodeColor::green) {
            const bool red = code->color == ipc::HealthCodeColor::red;
            out.push_back(about_person({red ? "health_code_red" : "health_code_yellow", gate.id, terminal}, code->person,
                                       pseudonymiser, [&](const std::string& p) {
                                           return fmt::format("{} health code: {} at gate {} (terminal {})",
                                                              red ? "Red" : "Yellow", p, gate.id, terminal);
                                       }));
        }
    } else if (const auto* t = std::get_if<ipc::TemperatureData>(&event.data)) {
        if (t->celsius >= gate.policy.fever_threshold) {
            auto text = [&](const std::string& p) {
                return fmt::format("Elevated temperature {:.1f} °C{} at gate {} (terminal {} reading)", t->celsius,
                                   p.empty() ? "" : ": " + p, gate.id, terminal);
            };
            if (t->person) {
                AlertDraft draft = about_person({"fever", gate.id, terminal}, *t->person, pseudonymiser, text);
                draft.spec.celsius = t->celsius;
                out.push_back(std::move(draft));
            } else {
                out.push_back({{"fever", gate.id, terminal, std::nullopt, t->celsius, std::nullopt, text("")}, std::nullopt});
            }
        }
    }
    return out;
}

std::vector<AlertDraft> alerts_for_decision(const DecidedRequest& decided, bool alert_on_denied,
                                            const Pseudonymiser* pseudonymiser) {
    std::vector<AlertDraft> out;
    const ipc::AccessRequest& request = *decided.request;
    const AccessOutcome& outcome = *decided.outcome;
    const auto& reasons = outcome.reasons;
    const std::string& gate = decided.gate;
    const std::optional<std::string> snapshot = decided.screening ? decided.screening->snapshot : std::nullopt;
    bool specific = false;
    auto raise = [&](const char* kind, const std::function<std::string(const std::string&)>& text_about) {
        AlertDraft draft = about_person({kind, gate, request.terminal}, request.person, pseudonymiser, text_about);
        draft.spec.celsius = decided.celsius;
        draft.spec.snapshot = snapshot;
        out.push_back(std::move(draft));
    };
    if (contains(reasons, "health_code_red")) {
        raise("health_code_red", [&](const std::string& p) { return fmt::format("Red health code: {} at gate {}", p, gate); });
        specific = true;
    }
    if (contains(reasons, "health_code_yellow")) {
        raise("health_code_yellow", [&](const std::string& p) { return fmt::format("Yellow health code: {} at gate {}", p, gate); });
        specific = true;
    }
    if (contains(reasons, "fever")) {
        specific = true;
        // The camera's own fever alert went out when its elevated screening arrived.
        if (!(decided.screening && decided.screening->verdict == "elevated")) {
            raise("fever", [&](const std::string& p) {
                return fmt::format("Elevated temperature {:.1f} °C: {} at gate {} (terminal reading)",
                                   decided.celsius.value_or(0.0), p, gate);
            });
        }
    }
    if (!outcome.grant && !specific && alert_on_denied) {
        raise("denied", [&](const std::string& p) { return fmt::format("{} denied at gate {}: {}", p, gate, join(reasons)); });
    }
    if (outcome.alert) {
        raise("unchecked_pass",
              [&](const std::string& p) { return fmt::format("{} let through at gate {} without: {}", p, gate, join(reasons)); });
    }
    return out;
}

}  // namespace gatehouse::daemon
