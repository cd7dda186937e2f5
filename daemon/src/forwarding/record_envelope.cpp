#include "gatehouse/daemon/forwarding/record_envelope.hpp"

namespace gatehouse::daemon::forwarding {

std::optional<nlohmann::json> record_envelope(const storage::OutboxRecord& record) {
    nlohmann::json body = nlohmann::json::parse(record.body_json, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object()) return std::nullopt;
    // The body is nested, not merged: an event's own "seq" and "kind" must reach the platform unchanged.
    return nlohmann::json{{"key", record.key},
                          {"lane", std::string(storage::to_string(record.lane))},
                          {"seq", record.lane_seq},
                          {"kind", record.kind},
                          {"gate", record.gate},
                          {"created_ms", record.created_ms},
                          {"record", std::move(body)}};
}

}  // namespace gatehouse::daemon::forwarding
