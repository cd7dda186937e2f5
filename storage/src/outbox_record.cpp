#include "gatehouse/storage/outbox_record.hpp"

namespace gatehouse::storage {

std::optional<OutboxLane> outbox_lane_from_string(std::string_view name) {
    for (const OutboxLane lane : {OutboxLane::alert, OutboxLane::record, OutboxLane::routine}) {
        if (to_string(lane) == name) return lane;
    }
    return std::nullopt;
}

}  // namespace gatehouse::storage
