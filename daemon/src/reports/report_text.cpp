// The report on a terminal (aligned columns, colour when asked) and as a chat robot's markdown message.
#include <algorithm>
#include <sstream>

#include "gatehouse/daemon/reports/report_formats.hpp"
#include "reports/report_cells.hpp"
#include "reports/report_labels.hpp"

namespace gatehouse::daemon::reports {
namespace {

using nlohmann::json;

std::size_t width(const std::string& s) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if ((c & 0xC0) == 0x80) continue;
        w += c >= 0xE0 ? 2 : 1;  // CJK takes two columns
    }
    return w;
}

std::string pad(const std::string& s, std::size_t to) { return s + std::string(to > width(s) ? to - width(s) : 0, ' '); }

std::string paint(bool on, const char* code, const std::string& s) { return on ? "\033[" + std::string(code) + "m" + s + "\033[0m" : s; }

std::string table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> w;
    for (const auto& r : rows) {
        for (std::size_t c = 0; c < r.size(); ++c) {
            if (w.size() <= c) w.push_back(0);
            w[c] = std::max(w[c], width(r[c]));
        }
    }
    std::string out;
    for (const auto& r : rows) {
        std::string line;
        for (std::size_t c = 0; c < r.size(); ++c) line += (c ? "  " : "  ") + pad(r[c], c + 1 < r.size() ? w[c] : 0);
        out += line + "\n";
    }
    return out;
}

}  // namespace

std::string render_text(const DailyReport& r, bool colour) {
    const json j = to_json(r);
    std::ostringstream o;
    o << paint(colour, "1", labels::kTitle) << "\n"
      << r.day.to_string() << " (" << r.zone.name() << ")  site " << r.site << "  gateway " << r.gateway << "  gate "
      << r.gate.value_or("all") << "\n";
    o << (r.zero_report() ? paint(colour, "32;1", labels::kZeroReport)
                          : paint(colour, "31;1", std::to_string(r.figures.total.fever) + " reading(s) at or over the threshold / 体温≥阈值"))
      << "\n";
    for (const auto& note : r.notes) o << paint(colour, "33", "note: " + note) << "\n";
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> header{""};
    for (const auto& g : j["gates"]) header.push_back(g["gate"].get<std::string>());
    header.push_back("total");
    rows.push_back(header);
    for (const auto& f : labels::kFigures) {
        std::vector<std::string> row{f.label};
        for (const auto& g : j["gates"]) row.push_back(cells::number(g[f.key]));
        row.push_back(cells::number(j["total"][f.key]));
        rows.push_back(row);
    }
    o << "\n" << table(rows);
    if (!j["total"]["denied_by_reason"].empty()) o << "  denials: " << cells::reasons(j["total"]["denied_by_reason"]) << "\n";
    if (!j["fever_readings"].empty()) {
        o << "\n" << paint(colour, "1", "体温≥阈值 / readings at or over the threshold") << "\n";
        std::vector<std::vector<std::string>> fevers{{"TIME", "GATE", "SOURCE", "PERSON", "°C", "ACCESS", "RE-CHECK", "DISPOSITION", "NOTE"}};
        for (const auto& f : j["fever_readings"]) {
            auto c = cells::reading(f, r.zone);
            fevers.push_back({c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]});
        }
        o << table(fevers);
    }
    o << "\n  hour     ";
    for (const auto& h : j["hours"]) o << h.get<std::string>().substr(0, 2) << ' ';
    o << "\n  passages ";
    for (const auto& n : j["total"]["hourly_passages"]) o << pad(cells::number(n), 2) << ' ';
    o << "\n  alerts   ";
    for (const auto& n : j["total"]["hourly_alerts"]) o << pad(cells::number(n), 2) << ' ';
    o << "\n\n" << labels::kDutyOfficer << ": ____________    " << labels::kPersonInCharge << ": ____________\n";
    return o.str();
}

std::string render_text(const RangeReport& r, bool colour) {
    const json j = to_json(r);
    std::ostringstream o;
    o << paint(colour, "1", labels::kRangeTitle) << "\n"
      << r.first.to_string() << " – " << r.last.to_string() << " (" << r.zone.name() << ")  site " << r.site << "  gate "
      << r.gate.value_or("all") << "\n";
    for (const auto& note : r.notes) o << paint(colour, "33", "note: " + note) << "\n";
    std::vector<std::vector<std::string>> rows{{"DAY", "SCREENED", "GRANTED", "DENIED", "≥THRESHOLD", "UNCERTAIN", "RED", "YELLOW",
                                                "UNCHECKED", "ALERTS", "TERM.OFF(min)", "CAM.OFF(min)", ""}};
    auto cells_of = [](const json& d) {
        return std::vector<std::string>{cells::number(d["screened"]),         cells::number(d["granted"]),
                                        cells::number(d["denied"]),           cells::number(d["fever"]),
                                        cells::number(d["uncertain"]),        cells::number(d["health_code_red"]),
                                        cells::number(d["health_code_yellow"]), cells::number(d["unchecked_passes"]),
                                        cells::number(d["alerts"]),           cells::number(d["terminal_offline_minutes"]),
                                        cells::number(d["camera_offline_minutes"])};
    };
    for (const auto& d : j["days"]) {
        std::vector<std::string> row{d["day"].get<std::string>()};
        if (d["purged"].get<bool>()) {
            row.push_back("purged (past retention)");
        } else {
            for (auto& c : cells_of(d)) row.push_back(c);
            row.push_back(d["zero_report"].get<bool>() ? "零报告 zero report" : "");
        }
        rows.push_back(row);
    }
    std::vector<std::string> total{"total"};
    for (auto& c : cells_of(j["total"])) total.push_back(c);
    rows.push_back(total);
    o << "\n" << table(rows);
    return o.str();
}

ReportChatText chat_summary(const DailyReport& r) {
    const auto& t = r.figures.total;
    ReportChatText m;
    m.title = "日报 Daily report " + r.day.to_string() + " " + r.site;
    std::string md = "### " + m.title + "\n\n";
    md += "- **单位 / Site**: " + r.site + " / " + r.gateway + (r.gate ? " · " + *r.gate : std::string()) + "\n";
    md += "- **日期 / Day**: " + r.day.to_string() + " (" + r.zone.name() + ")\n";
    md += fmt::format("- **测温人次 / Screened**: {}\n- **放行 / Granted**: {}  **拒绝 / Denied**: {}\n", t.screened_camera + t.screened_terminal,
                      t.granted, t.denied);
    md += fmt::format("- **红码 / Red**: {}  **黄码 / Yellow**: {}  **测温未成功 / Uncertain**: {}  **未检放行 / Unchecked**: {}\n",
                      t.health_code_red, t.health_code_yellow, t.uncertain, t.unchecked_passes);
    if (r.zero_report()) {
        md += std::string("- **") + labels::kZeroReport + "**\n";
    } else {
        md += fmt::format("- **体温≥阈值 / At or over threshold**: {}\n", t.fever);
        for (const auto& f : r.figures.fevers) {
            md += "  - " + r.zone.format(f.at_ms, "%H:%M") + " " + f.gate + " " + f.person.value_or("-") +
                  (f.celsius ? fmt::format(" {:.1f} °C", *f.celsius) : std::string()) + " → " +
                  (f.disposition ? labels::disposition_label(*f.disposition) : std::string("待复测 / awaiting re-check")) +
                  (f.recheck_celsius ? fmt::format(" ({:.1f} °C)", *f.recheck_celsius) : std::string()) + "\n";
        }
    }
    if (t.terminal_offline_ms + t.camera_offline_ms > 0) {
        md += fmt::format("- **离线 / Offline**: terminals {:.0f} min, cameras {:.0f} min\n", t.terminal_offline_ms / 60000.0,
                          t.camera_offline_ms / 60000.0);
    }
    for (const auto& note : r.notes) md += "- " + note + "\n";
    m.markdown = md;
    return m;
}

}  // namespace gatehouse::daemon::reports
