#include "console_line.hpp"

#include <fmt/format.h>

namespace gatehouse::daemon::cli {
namespace {

using nlohmann::json;

std::string celsius(const json& o) {
    const auto it = o.find("celsius");
    return it != o.end() && it->is_number() ? fmt::format("{:.1f} °C", it->get<double>()) : "";
}
std::string text(const json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}
std::int64_t integer(const json& o, const char* key) {
    const auto it = o.find(key);
    return it != o.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}
// HH:MM:SS of the message's time in the gate's zone; the UTC text's clock part when time_ms is missing.
std::string clock_time(const json& m, const LocalTimeZone& zone) {
    if (const auto it = m.find("time_ms"); it != m.end() && it->is_number_integer()) {
        return zone.format(it->get<std::int64_t>(), "%H:%M:%S");
    }
    const std::string iso = text(m, "time");
    return iso.size() >= 19 ? iso.substr(11, 8) : iso;
}

}  // namespace

std::string console_line(const std::string& topic, const json& m, const Style& style, const LocalTimeZone& zone) {
    const std::string time = clock_time(m, zone);
    const std::string type = text(m, "type");
    if (type == "alert") {
        const std::string severity = text(m, "severity");
        std::string head = fmt::format("ALERT {:<8} {:<18}", severity, text(m, "kind"));
        head = severity == "critical" ? style.red(style.bold(head)) : severity == "warning" ? style.yellow(head) : style.dim(head);
        return fmt::format("{} {} #{:<5} gate {:<10} {}  {}", time, head, integer(m, "id"), text(m, "gate"),
                           text(m, "text"), celsius(m));
    }
    if (type == "alert_state") {
        return fmt::format("{} {} #{} {} by {}{}", time, style.dim("alert"), integer(m, "id"), text(m, "state"),
                           text(m, "actor"), text(m, "note").empty() ? "" : ": " + text(m, "note"));
    }
    if (type == "decision") {
        const bool grant = text(m, "result") == "grant";
        std::string reasons;
        if (const auto it = m.find("reasons"); it != m.end() && it->is_array()) {
            for (const auto& r : *it) {
                if (r.is_string()) reasons += (reasons.empty() ? "" : ",") + r.get<std::string>();
            }
        }
        return fmt::format("{} {} gate {:<10} {:<12} {:<8} {}", time,
                           grant ? style.green("GRANT         ") : style.red("DENY          "), text(m, "gate"),
                           text(m, "person"), celsius(m), reasons);
    }
    if (type == "screening") {
        return fmt::format("{} {} gate {:<10} camera {:<8} {:<9} {}", time, style.cyan("screening     "), text(m, "gate"),
                           text(m, "camera"), text(m, "verdict"), celsius(m));
    }
    return fmt::format("{} {} {}", time, style.dim(topic), m.dump());
}

}  // namespace gatehouse::daemon::cli
