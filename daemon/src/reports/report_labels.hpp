#pragma once
// The report's bilingual wording (Chinese for the inspectors, English beside it), defined once for every format.
#include <string>

namespace gatehouse::daemon::reports::labels {

inline constexpr const char* kTitle = "测温登记台账 · 日报 / Gate health screening ledger · daily report";
inline constexpr const char* kRangeTitle = "测温登记台账 · 汇总 / Gate health screening ledger · by day";
inline constexpr const char* kZeroReport = "零报告 / Zero report: no abnormal temperature";
inline constexpr const char* kDutyOfficer = "值班人 / Duty officer";
inline constexpr const char* kPersonInCharge = "负责人 / Person in charge";
inline constexpr const char* kSignDate = "日期 / Date";

/// One figure of a gate: its key in JSON, and its label.
struct Figure {
    const char* key;
    const char* label;
};

inline constexpr Figure kFigures[] = {
    {"screened", "测温人次 / Screened"},
    {"screened_camera", "摄像头测温 / by camera"},
    {"screened_terminal", "终端测温 / by terminal"},
    {"granted", "放行 / Passages granted"},
    {"denied", "拒绝 / Denied"},
    {"fever", "体温≥阈值 / At or over threshold"},
    {"uncertain", "测温未成功 / Uncertain screenings"},
    {"health_code_red", "红码 / Red codes"},
    {"health_code_yellow", "黄码 / Yellow codes"},
    {"unchecked_passes", "未检放行 / Unchecked passes"},
    {"alerts", "告警 / Alerts"},
    {"terminal_offline_minutes", "终端离线(分钟) / Terminals offline (min)"},
    {"camera_offline_minutes", "测温设备故障(分钟) / Cameras offline (min)"},
};

/// A denial reason's label ("fever" → "体温异常 / fever").
inline std::string reason_label(const std::string& reason) {
    static const std::pair<const char*, const char*> kReasons[] = {
        {"on_deny_list", "黑名单"},      {"not_on_list", "不在白名单"},   {"list_expired", "授权过期"},
        {"health_code_red", "红码"},      {"health_code_yellow", "黄码"}, {"no_health_code", "未出示健康码"},
        {"fever", "体温异常"},            {"no_screening", "未测温"},      {"screening_uncertain", "测温未成功"},
        {"camera_fault", "测温设备故障"},
    };
    for (const auto& [code, zh] : kReasons) {
        if (reason == code) return std::string(zh) + " / " + reason;
    }
    return reason;
}

/// A re-check disposition's label.
inline std::string disposition_label(const std::string& disposition) {
    if (disposition == "recheck_normal") return "复测正常放行 / normal on re-check, let in";
    if (disposition == "sent_to_clinic") return "送医务室 / sent to clinic";
    if (disposition == "sent_home") return "劝返回家 / sent home";
    if (disposition == "other") return "其他 / other";
    return disposition;
}

inline std::string source_label(const std::string& source_kind) {
    if (source_kind == "camera") return "摄像头 / camera";
    if (source_kind == "terminal") return "终端 / terminal";
    if (source_kind == "terminal_event") return "终端读数 / terminal reading";
    return source_kind;
}

}  // namespace gatehouse::daemon::reports::labels
