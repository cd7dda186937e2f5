#pragma once
// Cell texts shared by the tabular formats (CSV, HTML, text): numbers, reasons, one fever reading's row.
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "gatehouse/daemon/local_time_zone.hpp"
#include "reports/report_labels.hpp"

namespace gatehouse::daemon::reports::cells {

inline std::string number(const nlohmann::json& v) {
    if (v.is_null()) return "";
    if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
    if (v.is_number()) {
        const double d = v.get<double>();
        return d == std::floor(d) ? fmt::format("{:.0f}", d) : fmt::format("{:.1f}", d);
    }
    return v.is_string() ? v.get<std::string>() : v.dump();
}

inline std::string celsius(const nlohmann::json& v) { return v.is_null() ? "" : fmt::format("{:.1f}", v.get<double>()); }

/// "HH:MM" of an ISO 8601 local time ("2026-11-22T08:15:30+08:00").
inline std::string clock(const nlohmann::json& iso) {
    const std::string s = iso.is_string() ? iso.get<std::string>() : "";
    return s.size() >= 16 ? s.substr(11, 5) : s;
}

inline std::string reasons(const nlohmann::json& by_reason) {
    std::string out;
    for (auto it = by_reason.begin(); it != by_reason.end(); ++it) {
        out += (out.empty() ? "" : "; ") + labels::reason_label(it.key()) + " " + number(*it);
    }
    return out;
}

/// The re-check's outcome, or why there is none.
inline std::string disposition(const nlohmann::json& f) {
    if (!f["disposition"].is_null()) return labels::disposition_label(f["disposition"].get<std::string>());
    if (f["alert"].is_null()) return "-";
    if (f["alert_state"] == "closed") return "已关闭,未记录处置 / closed without a disposition";
    return "待复测 / awaiting re-check";
}

/// Time, gate, source, person, °C, access, re-check °C, disposition, note, by, alert.
inline std::vector<std::string> reading(const nlohmann::json& f, const LocalTimeZone&) {
    const std::string access = f["granted"].is_null() ? "" : f["granted"].get<bool>() ? "放行 / granted" : "拒绝 / denied";
    std::string alert;
    if (!f["alert"].is_null()) alert = "#" + number(f["alert"]) + " " + (f["alert_state"].is_null() ? "" : f["alert_state"].get<std::string>());
    return {clock(f["time"]),
            f["gate"].get<std::string>(),
            labels::source_label(f["source_kind"].get<std::string>()) + " " + f["source"].get<std::string>(),
            f["person"].is_null() ? "-" : f["person"].get<std::string>(),
            celsius(f["celsius"]),
            access,
            celsius(f["recheck_celsius"]),
            disposition(f),
            f["note"].get<std::string>(),
            f["closed_by"].is_null() ? "" : f["closed_by"].get<std::string>(),
            alert};
}

}  // namespace gatehouse::daemon::reports::cells
