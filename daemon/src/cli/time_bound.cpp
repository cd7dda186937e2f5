#include "time_bound.hpp"

#include <charconv>

#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon::cli {

std::optional<std::int64_t> parse_time_bound(const std::string& text, std::int64_t now_ms, const LocalTimeZone& zone) {
    if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
        const auto date = LocalDate::parse(text);
        if (!date) return std::nullopt;
        return zone.day(*date).start_ms;
    }
    if (auto absolute = ipc::parse_utc_timestamp(text)) return absolute;
    if (text.size() < 2) return std::nullopt;
    std::int64_t amount = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, amount);
    if (ec != std::errc() || end != text.data() + text.size() - 1 || amount < 0) return std::nullopt;
    std::int64_t unit_ms = 0;
    switch (text.back()) {
        case 's': unit_ms = 1000; break;
        case 'm': unit_ms = 60'000; break;
        case 'h': unit_ms = 3'600'000; break;
        case 'd': unit_ms = 86'400'000; break;
        default: return std::nullopt;
    }
    return now_ms - amount * unit_ms;
}

}  // namespace gatehouse::daemon::cli
