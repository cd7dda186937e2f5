#pragma once
// What the console socket carries: topics and JSON bodies of alerts, decisions, screenings and events.
// The field names and topic layout live here and nowhere else (docs/protocol.md documents them).
#include <string>

#include <nlohmann/json.hpp>

#include "gatehouse/storage/alert_record.hpp"
#include "gatehouse/storage/decision_record.hpp"
#include "gatehouse/storage/event_record.hpp"
#include "gatehouse/storage/screening_record.hpp"

namespace gatehouse::daemon {

/// "alert.<kind>.<gate>": subscribe to "alert." for all alerts, "alert.fever." for fevers anywhere.
std::string alert_topic(const storage::AlertRecord& alert);
/// "decision.<gate>.<grant|deny>".
std::string decision_topic(const storage::DecisionRecord& decision);
/// "screening.<gate>.<verdict>".
std::string screening_topic(const storage::ScreeningRecord& screening);
/// "event.<gate>.<kind>".
std::string event_topic(const storage::EventRecord& event);

/// {"type":"alert", id, kind, severity, gate, source, time (ISO 8601 UTC), time_ms, person, celsius, snapshot, text, state,
/// screening, request}
nlohmann::json to_json(const storage::AlertRecord& alert);
/// {"type":"alert_state", id, state, actor, note, disposition, recheck_celsius, time, time_ms}
nlohmann::json to_json(const storage::AlertAction& action);
/// {"type":"decision", request, terminal, gate, person, method, result, reasons, celsius, health_code, screening, snapshot, time, time_ms}
nlohmann::json to_json(const storage::DecisionRecord& decision);
/// {"type":"screening", id, camera, gate, verdict, reason, celsius, threshold, snapshot, time, time_ms}
nlohmann::json to_json(const storage::ScreeningRecord& screening);
/// {"type":"event", terminal, seq, gate, kind, person, time, time_ms, offline, data}
nlohmann::json to_json(const storage::EventRecord& event);

}  // namespace gatehouse::daemon
