#pragma once
// The JSON form of an outbox record as receivers see it (MQTT payloads, webhook batches).
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "gatehouse/storage/outbox_record.hpp"

namespace gatehouse::daemon::forwarding {

/// {"key", "lane", "seq", "kind", "gate", "created_ms", "record": the record's body object}, so a receiver can drop
/// duplicates by "key". nullopt when body_json is not
/// a JSON object (a poisoned record: no upstream can take it).
std::optional<nlohmann::json> record_envelope(const storage::OutboxRecord& record);

}  // namespace gatehouse::daemon::forwarding
