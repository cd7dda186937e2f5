#pragma once
// The JSON form of an outbox record as receivers see it (MQTT payloads, webhook batches).
#include <optional>
#include <string>

#include "gatehouse/storage/outbox_record.hpp"

namespace gatehouse::daemon::forwarding {

/// {"key", "lane", "seq", "kind", "gate", "created_ms", "record": the record's body object}, so a receiver can drop
/// duplicates by "key". The body is spliced as the gateway wrote it into the outbox (it was encoded once, when the
/// record was made); nullopt when it is not a JSON object (a poisoned record: no upstream can take it).
std::optional<std::string> record_envelope(const storage::OutboxRecord& record);

}  // namespace gatehouse::daemon::forwarding
