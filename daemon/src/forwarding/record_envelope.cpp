#include "gatehouse/daemon/forwarding/record_envelope.hpp"

#include <nlohmann/json.hpp>

#include "gatehouse/ipc/json_writer.hpp"

namespace gatehouse::daemon::forwarding {

std::optional<std::string> record_envelope(const storage::OutboxRecord& record) {
    // Checked, not decoded: the text goes out as it is.
    const auto& body = record.body_json;
    if (body.empty() || body.front() != '{' || !nlohmann::json::accept(body)) return std::nullopt;
    // The body is nested, not merged: an event's own "seq" and "kind" must reach the platform unchanged.
    return ipc::JsonObjectWriter()
        .text("key", record.key)
        .text("lane", storage::to_string(record.lane))
        .integer("seq", record.lane_seq)
        .text("kind", record.kind)
        .text("gate", record.gate)
        .integer("created_ms", record.created_ms)
        .raw("record", body)
        .finish();
}

}  // namespace gatehouse::daemon::forwarding
