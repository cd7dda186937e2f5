#pragma once
// What the console socket and the upstream carry: topics and JSON bodies of alerts, alert state changes,
// decisions, screenings and events. The field names and topic layout live here and nowhere else
// (docs/protocol.md documents them). Each body is encoded once, as text, when its record is made: the console
// publishes it and the outbox stores it as it is (the stored data and reasons of a record are spliced, not parsed).
#include <string>

#include "gatehouse/storage/alert_record.hpp"
#include "gatehouse/storage/decision_record.hpp"
#include "gatehouse/storage/event_record.hpp"
#include "gatehouse/storage/screening_record.hpp"

namespace gatehouse::daemon {

/// "alert.<kind>.<gate>": subscribe to "alert." for all alerts, "alert.fever." for fevers anywhere.
std::string alert_topic(const storage::AlertRecord& alert);
/// "alert_state.<kind>" of the alert acted on (its gate is in the body).
std::string alert_state_topic(const storage::AlertRecord& alert);
/// "decision.<gate>.<grant|deny>".
std::string decision_topic(const storage::DecisionRecord& decision);
/// "screening.<gate>.<verdict>".
std::string screening_topic(const storage::ScreeningRecord& screening);
/// "event.<gate>.<kind>".
std::string event_topic(const storage::EventRecord& event);

/// {"type":"alert", id, kind, severity, gate, source, time (RFC 3339 UTC), time_ms, person, celsius, snapshot, text, state}
std::string encode_body(const storage::AlertRecord& alert);
/// {"type":"alert_state", id, kind, gate, state, actor, note, time, time_ms}: `alert` is the alert acted on.
std::string encode_body(const storage::AlertAction& action, const storage::AlertRecord& alert);
/// {"type":"decision", request, terminal, gate, person, method, result, reasons, celsius, health_code, screening, snapshot, time, time_ms}
std::string encode_body(const storage::DecisionRecord& decision);
/// {"type":"screening", id, camera, gate, verdict, reason, celsius, threshold, snapshot, time, time_ms}
std::string encode_body(const storage::ScreeningRecord& screening);
/// {"type":"event", terminal, seq, gate, kind, person, time, time_ms, offline, data}
std::string encode_body(const storage::EventRecord& event);

}  // namespace gatehouse::daemon
