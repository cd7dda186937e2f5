#pragma once
// Outbox records for forwarding tests, keyed as the outbox keys them ("<gateway>:<lane>:<seq>").
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "gatehouse/storage/outbox_record.hpp"

namespace gatehouse::test {

inline storage::OutboxRecord outbox_record(storage::OutboxLane lane, std::int64_t seq, std::string kind,
                                           std::string gate, nlohmann::json body, std::string gateway = "gw1") {
    storage::OutboxRecord r;
    r.id = seq;
    r.lane = lane;
    r.lane_seq = seq;
    r.key = gateway + ":" + std::string(storage::to_string(lane)) + ":" + std::to_string(seq);
    r.kind = std::move(kind);
    r.gate = std::move(gate);
    r.created_ms = 1'767'225'600'000 + seq * 1000;  // 2026-01-01T00:00:00Z + seq seconds
    r.body_json = body.dump();
    return r;
}

/// An alert record as the gateway writes them (id, kind, severity, gate, time_ms, person, celsius, text).
inline storage::OutboxRecord alert_record(std::int64_t seq, std::string gate = "g1", double celsius = 38.2) {
    const std::string id = "A" + std::to_string(1000 + seq);
    nlohmann::json body{{"id", id},         {"kind", "fever"},         {"severity", "critical"},
                        {"gate", gate},     {"time_ms", 1'767'225'600'000 + seq * 1000},
                        {"person", "P" + std::to_string(700 + seq)}, {"celsius", celsius},
                        {"text", "temperature at or above 37.3 °C"}};
    return outbox_record(storage::OutboxLane::alert, seq, "fever", std::move(gate), std::move(body));
}

}  // namespace gatehouse::test
