#include "gatehouse/daemon/forwarding/record_envelope.hpp"

namespace gatehouse::daemon::forwarding {

std::optional<nlohmann::json> record_envelope(const storage::OutboxRecord& record) {
    nlohmann::json envelope = nlohmann::json::parse(record.body_json, nullptr, /*allow_exceptions=*/false);
    if (!envelope.is_object()) return std::nullopt;
    envelope["key"] = record.key;
    envelope["lane"] = std::string(storage::to_string(record.lane));
    envelope["seq"] = record.lane_seq;
    envelope["kind"] = record.kind;
    envelope["gate"] = record.gate;
    envelope["created_ms"] = record.created_ms;
    return envelope;
}

}  // namespace gatehouse::daemon::forwarding
