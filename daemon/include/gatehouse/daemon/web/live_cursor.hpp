#pragma once
// Where a live view stands in the ledger: the last alert, alert action, decision and screening it has seen. It is
// the id of every Server-Sent Event the web console sends, so a browser that reconnects with Last-Event-ID gets
// exactly what it missed from the ledger.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gatehouse/storage/record_query.hpp"

namespace gatehouse::daemon::web {

/// The four record streams a live view follows, each numbered by the ledger.
enum class LiveStream : char { alerts = 'a', alert_actions = 'x', decisions = 'd', screenings = 's' };

/// Last ledger id seen per stream. Text form "a42.x7.d1003.s877" (every stream, in that order).
struct LiveCursor {
    std::int64_t alerts = 0;
    std::int64_t alert_actions = 0;
    std::int64_t decisions = 0;
    std::int64_t screenings = 0;

    std::int64_t& operator[](LiveStream stream);
    std::int64_t operator[](LiveStream stream) const;
    std::string to_string() const;
    /// Parses the text form; nullopt for anything else (ids are 0 … 2^63−1).
    static std::optional<LiveCursor> parse(std::string_view text);
    /// The cursor at the newest rows of the ledger.
    static LiveCursor at(const storage::RecordIds& ids) {
        return {ids.alerts, ids.alert_actions, ids.decisions, ids.screenings};
    }
    bool operator==(const LiveCursor&) const = default;
};

}  // namespace gatehouse::daemon::web
