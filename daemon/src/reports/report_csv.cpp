// CSV for Excel: UTF-8 with a byte-order mark (Excel reads Chinese text correctly only then), CRLF line ends,
// sections separated by an empty line.
#include "gatehouse/daemon/reports/report_formats.hpp"
#include "reports/report_labels.hpp"
#include "reports/report_cells.hpp"

namespace gatehouse::daemon::reports {
namespace {

using nlohmann::json;

constexpr const char* kBom = "\xEF\xBB\xBF";

std::string field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

class CsvWriter {
public:
    void row(const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i) out_ += (i ? "," : "") + field(cells[i]);
        out_ += "\r\n";
    }
    void blank() { out_ += "\r\n"; }
    std::string take() { return std::move(out_); }

private:
    std::string out_ = kBom;
};

void signature_rows(CsvWriter& csv) {
    csv.blank();
    csv.row({labels::kDutyOfficer, "", labels::kPersonInCharge, "", labels::kSignDate, ""});
}

}  // namespace

std::string render_csv(const DailyReport& r) {
    const json j = to_json(r);
    CsvWriter csv;
    csv.row({labels::kTitle});
    csv.row({"日期 / Day", j["day"].get<std::string>(), "时区 / Time zone", r.zone.name()});
    csv.row({"单位 / Site", r.site, "网关 / Gateway", r.gateway, "通道 / Gate", r.gate.value_or("全部 / all")});
    csv.row({"生成 / Generated", j["generated"].get<std::string>(), "生成人 / By", r.generated_by});
    if (r.zero_report()) csv.row({labels::kZeroReport});
    for (const auto& note : r.notes) csv.row({"注意 / Note", note});
    csv.blank();

    std::vector<std::string> header{"通道 / Gate"};
    for (const auto& f : labels::kFigures) header.push_back(f.label);
    header.push_back("拒绝原因 / Denials by reason");
    csv.row(header);
    auto gate_row = [&](const std::string& name, const json& g) {
        std::vector<std::string> cells{name};
        for (const auto& f : labels::kFigures) cells.push_back(cells::number(g[f.key]));
        cells.push_back(cells::reasons(g["denied_by_reason"]));
        csv.row(cells);
    };
    for (const auto& g : j["gates"]) gate_row(g["gate"].get<std::string>(), g);
    gate_row("合计 / Total", j["total"]);
    csv.blank();

    csv.row({"体温≥阈值 / Readings at or over the threshold"});
    csv.row({"时间 / Time", "通道 / Gate", "来源 / Source", "人员 / Person", "体温°C / °C", "通行 / Access", "复测°C / Re-check °C",
             "处置 / Disposition", "备注 / Note", "处置人 / By", "告警 / Alert"});
    for (const auto& f : j["fever_readings"]) csv.row(cells::reading(f, r.zone));
    if (j["fever_readings"].empty()) csv.row({labels::kZeroReport});
    csv.blank();
    if (!j["uncertain_denials"].empty()) {
        csv.row({"测温未成功被拒 / Denied for an uncertain screening"});
        csv.row({"时间 / Time", "通道 / Gate", "来源 / Source", "人员 / Person", "体温°C / °C", "通行 / Access", "复测°C / Re-check °C",
                 "处置 / Disposition", "备注 / Note", "处置人 / By", "告警 / Alert"});
        for (const auto& f : j["uncertain_denials"]) csv.row(cells::reading(f, r.zone));
        csv.blank();
    }
    csv.row({"每小时 / Hourly", "放行 / Passages", "告警 / Alerts"});
    for (std::size_t h = 0; h < j["hours"].size(); ++h) {
        csv.row({j["hours"][h].get<std::string>(), cells::number(j["total"]["hourly_passages"][h]),
                 cells::number(j["total"]["hourly_alerts"][h])});
    }
    if (!j["offline"].empty()) {
        csv.blank();
        csv.row({"离线与故障 / Offline and faults", "通道 / Gate", "设备 / Device", "从 / From", "到 / To", "分钟 / Minutes"});
        for (const auto& p : j["offline"]) {
            csv.row({p["kind"].get<std::string>(), p["gate"].get<std::string>(), p["source"].get<std::string>(),
                     cells::clock(p["from"]), cells::clock(p["to"]) + (p["open"].get<bool>() ? " …" : ""),
                     cells::number(p["minutes"])});
        }
    }
    signature_rows(csv);
    return csv.take();
}

std::string render_csv(const RangeReport& r) {
    const json j = to_json(r);
    CsvWriter csv;
    csv.row({labels::kRangeTitle});
    csv.row({"从 / Since", r.first.to_string(), "到 / Until", r.last.to_string(), "时区 / Time zone", r.zone.name()});
    csv.row({"单位 / Site", r.site, "网关 / Gateway", r.gateway, "通道 / Gate", r.gate.value_or("全部 / all")});
    csv.row({"生成 / Generated", j["generated"].get<std::string>(), "生成人 / By", r.generated_by});
    for (const auto& note : r.notes) csv.row({"注意 / Note", note});
    csv.blank();
    std::vector<std::string> header{"日期 / Day"};
    for (const auto& f : labels::kFigures) header.push_back(f.label);
    header.push_back("拒绝原因 / Denials by reason");
    header.push_back("零报告 / Zero report");
    csv.row(header);
    for (const auto& d : j["days"]) {
        std::vector<std::string> cells{d["day"].get<std::string>()};
        if (d["purged"].get<bool>()) {
            cells.push_back("已按保留期删除 / purged (past retention)");
        } else {
            for (const auto& f : labels::kFigures) cells.push_back(cells::number(d[f.key]));
            cells.push_back(cells::reasons(d["denied_by_reason"]));
            cells.push_back(d["zero_report"].get<bool>() ? "零报告 / zero report" : "");
        }
        csv.row(cells);
    }
    std::vector<std::string> total{"合计 / Total"};
    for (const auto& f : labels::kFigures) total.push_back(cells::number(j["total"][f.key]));
    total.push_back(cells::reasons(j["total"]["denied_by_reason"]));
    csv.row(total);
    signature_rows(csv);
    return csv.take();
}

}  // namespace gatehouse::daemon::reports
