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

}  // namespace

std::string console_line(const std::string& topic, const json& m, const Style& style) {
    const std::string iso = text(m, "time");
    const std::string time = iso.size() >= 19 ? iso.substr(11, 8) : iso;  // HH:MM:SS of the ISO UTC time
    const std::string type = text(m, "type");
    if (type == "alert") {
        const std::string severity = text(m, "severity");
        std::string head = fmt::format("ALERT {:<8} {:<18}", severity, text(m, "kind"));
        head = severity == "critical" ? style.red(style.bold(head)) : severity == "warning" ? style.yellow(head) : style.dim(head);
        return fmt::format("{} {} #{:<5} gate {:<10} {}  {}", time, head, m.value("id", 0), text(m, "gate"),
                           text(m, "text"), celsius(m));
    }
    if (type == "alert_state") {
        return fmt::format("{} {} #{} {} by {}{}", time, style.dim("alert"), m.value("id", 0), text(m, "state"),
                           text(m, "actor"), text(m, "note").empty() ? "" : ": " + text(m, "note"));
    }
    if (type == "decision") {
        const bool grant = text(m, "result") == "grant";
        std::string reasons;
        for (const auto& r : m.value("reasons", json::array())) reasons += (reasons.empty() ? "" : ",") + r.get<std::string>();
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
