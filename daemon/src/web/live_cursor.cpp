#include "gatehouse/daemon/web/live_cursor.hpp"

#include <charconv>

namespace gatehouse::daemon::web {
namespace {

constexpr LiveStream kOrder[] = {LiveStream::alerts, LiveStream::alert_actions, LiveStream::decisions,
                                 LiveStream::screenings};

}  // namespace

std::int64_t& LiveCursor::operator[](LiveStream stream) {
    switch (stream) {
        case LiveStream::alerts: return alerts;
        case LiveStream::alert_actions: return alert_actions;
        case LiveStream::decisions: return decisions;
        case LiveStream::screenings: return screenings;
    }
    return alerts;
}

std::int64_t LiveCursor::operator[](LiveStream stream) const { return const_cast<LiveCursor&>(*this)[stream]; }

std::string LiveCursor::to_string() const {
    std::string out;
    for (LiveStream s : kOrder) {
        if (!out.empty()) out += '.';
        out += static_cast<char>(s);
        out += std::to_string((*this)[s]);
    }
    return out;
}

std::optional<LiveCursor> LiveCursor::parse(std::string_view text) {
    LiveCursor cursor;
    for (std::size_t i = 0; i < std::size(kOrder); ++i) {
        if (i > 0) {
            if (text.empty() || text.front() != '.') return std::nullopt;
            text.remove_prefix(1);
        }
        if (text.empty() || text.front() != static_cast<char>(kOrder[i])) return std::nullopt;
        text.remove_prefix(1);
        std::int64_t value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error != std::errc() || end == text.data() || value < 0) return std::nullopt;
        text.remove_prefix(static_cast<std::size_t>(end - text.data()));
        cursor[kOrder[i]] = value;
    }
    if (!text.empty()) return std::nullopt;
    return cursor;
}

}  // namespace gatehouse::daemon::web
