// HTML printable on A4 (portrait, 12 mm margins), the hourly chart drawn here as inline SVG: no script, no
// external resource, so it prints the same from any browser and can be archived as one file.
#include <algorithm>
#include <iterator>

#include "gatehouse/daemon/reports/report_formats.hpp"
#include "reports/report_cells.hpp"
#include "reports/report_labels.hpp"

namespace gatehouse::daemon::reports {
namespace {

using nlohmann::json;

std::string esc(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

constexpr const char* kStyle = R"css(
@page { size: A4 portrait; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif;
       font-size: 9.5pt; color: #111; margin: 0; }
@media screen { body { max-width: 186mm; margin: 8mm auto; } }
h1 { font-size: 14pt; margin: 0 0 2mm 0; }
h2 { font-size: 11pt; margin: 5mm 0 1.5mm 0; border-bottom: 0.4pt solid #444; }
.meta { color: #333; margin-bottom: 2mm; }
.meta span { margin-right: 5mm; }
.zero { border: 1.2pt solid #1a7f37; color: #1a7f37; font-weight: bold; padding: 2mm; margin: 2mm 0; font-size: 11pt; }
.fever { border: 1.2pt solid #b42318; color: #b42318; font-weight: bold; padding: 2mm; margin: 2mm 0; font-size: 11pt; }
.note { color: #8a4b00; margin: 1mm 0; }
table { border-collapse: collapse; width: 100%; page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 0.4pt solid #888; padding: 1mm 1.4mm; text-align: left; vertical-align: top; }
th { background: #eee; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
table.figures td:first-child { width: 48mm; }
tr.total td { font-weight: bold; background: #f6f6f6; }
.chart { margin-top: 1mm; }
.sign { margin-top: 10mm; display: flex; gap: 10mm; page-break-inside: avoid; }
.sign div { flex: 1; border-bottom: 0.6pt solid #111; padding-bottom: 7mm; }
.foot { margin-top: 4mm; color: #666; font-size: 8pt; }
)css";

std::string head(const std::string& title) {
    return "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + esc(title) +
           "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
}

std::string signature() {
    return std::string("<div class=\"sign\"><div>") + labels::kDutyOfficer + ":</div><div>" + labels::kPersonInCharge +
           ":</div><div>" + labels::kSignDate + ":</div></div>\n";
}

// The figures as rows (one per figure) and columns (one per gate, then the total): fits A4 for a few gates.
std::string figures_table(const json& j) {
    std::string t = "<table class=\"figures\">\n<tr><th></th>";
    for (const auto& g : j["gates"]) t += "<th>" + esc(g["gate"].get<std::string>()) + "</th>";
    t += "<th>合计 / Total</th></tr>\n";
    for (const auto& f : labels::kFigures) {
        t += "<tr><td>" + esc(f.label) + "</td>";
        for (const auto& g : j["gates"]) t += "<td class=\"n\">" + cells::number(g[f.key]) + "</td>";
        t += "<td class=\"n\"><b>" + cells::number(j["total"][f.key]) + "</b></td></tr>\n";
    }
    t += "<tr><td>拒绝原因 / Denials by reason</td>";
    for (const auto& g : j["gates"]) t += "<td>" + esc(cells::reasons(g["denied_by_reason"])) + "</td>";
    t += "<td>" + esc(cells::reasons(j["total"]["denied_by_reason"])) + "</td></tr>\n</table>\n";
    return t;
}

std::string readings_table(const json& list, const LocalTimeZone& zone) {
    std::string t = "<table>\n<tr><th>时间<br>Time</th><th>通道<br>Gate</th><th>来源<br>Source</th><th>人员<br>Person</th>"
                    "<th>°C</th><th>通行<br>Access</th><th>复测 °C<br>Re-check</th><th>处置<br>Disposition</th>"
                    "<th>备注<br>Note</th><th>处置人<br>By</th><th>告警<br>Alert</th></tr>\n";
    for (const auto& f : list) {
        t += "<tr>";
        const auto row = cells::reading(f, zone);
        for (std::size_t i = 0; i < row.size(); ++i) {
            t += std::string(i == 4 || i == 6 ? "<td class=\"n\">" : "<td>") + esc(row[i]) + "</td>";
        }
        t += "</tr>\n";
    }
    return t + "</table>\n";
}

}  // namespace

std::string hourly_chart_svg(const DailyReport& r) {
    const auto& passages = r.figures.total.hourly_passages;
    const auto& alerts = r.figures.total.hourly_alerts;
    const std::size_t hours = r.hour_starts.size();
    constexpr int kWidth = 700, kHeight = 230, kLeft = 44, kRight = 44, kTop = 22, kBottom = 34;
    const int plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
    std::int64_t max_p = 1, max_a = 1;
    for (std::size_t h = 0; h < hours; ++h) {
        if (h < passages.size()) max_p = std::max(max_p, passages[h]);
        if (h < alerts.size()) max_a = std::max(max_a, alerts[h]);
    }
    // Round the scales up to 1, 2 or 5 × 10^k so that the gridlines fall on readable values.
    auto nice = [](std::int64_t v) {
        std::int64_t step = 1;
        while (step * 10 < v) step *= 10;
        for (std::int64_t m : {1, 2, 5, 10}) {
            if (step * m >= v) return step * m;
        }
        return step * 10;
    };
    max_p = nice(max_p);
    max_a = nice(max_a);
    const double slot = hours ? static_cast<double>(plot_w) / static_cast<double>(hours) : plot_w;
    std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
                    std::to_string(kHeight) + "\" width=\"100%\" role=\"img\" aria-label=\"" +
                    esc("每小时放行与告警 / Passages and alerts per hour") + "\" font-size=\"10\" font-family=\"sans-serif\">\n";
    s += "<title>每小时放行与告警 / Passages and alerts per hour</title>\n";
    for (int i = 0; i <= 4; ++i) {
        const double y = kTop + plot_h - plot_h * i / 4.0;
        s += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\" stroke-width=\"0.6\"/>\n", kLeft, y,
                         kLeft + plot_w, y);
        s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" fill=\"#2458a6\">{}</text>\n", kLeft - 4, y + 3.5,
                         cells::number(nlohmann::json(static_cast<double>(max_p) * i / 4.0)));
        s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" fill=\"#b42318\">{}</text>\n", kLeft + plot_w + 4, y + 3.5,
                         cells::number(nlohmann::json(static_cast<double>(max_a) * i / 4.0)));
    }
    for (std::size_t h = 0; h < hours; ++h) {
        const double x = kLeft + slot * static_cast<double>(h);
        const std::int64_t p = h < passages.size() ? passages[h] : 0;
        const double bar_h = static_cast<double>(plot_h) * static_cast<double>(p) / static_cast<double>(max_p);
        s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#6b9bd8\"><title>{} {}</title></rect>\n",
                         x + slot * 0.15, kTop + plot_h - bar_h, slot * 0.7, bar_h,
                         r.zone.format(r.hour_starts[h], "%H:%M"), p);
        if (h % 2 == 0 || hours <= 12) {
            s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x + slot / 2, kTop + plot_h + 13,
                             r.zone.format(r.hour_starts[h], "%H"));
        }
    }
    // Alerts as a line with points, on their own scale (right axis).
    std::string points;
    for (std::size_t h = 0; h < hours; ++h) {
        const std::int64_t a = h < alerts.size() ? alerts[h] : 0;
        const double x = kLeft + slot * (static_cast<double>(h) + 0.5);
        const double y = kTop + plot_h - static_cast<double>(plot_h) * static_cast<double>(a) / static_cast<double>(max_a);
        points += fmt::format("{:.1f},{:.1f} ", x, y);
        if (a > 0) s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.6\" fill=\"#b42318\"/>\n", x, y);
    }
    if (!points.empty()) s += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"#b42318\" stroke-width=\"1.4\"/>\n";
    s += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#444\" stroke-width=\"0.8\"/>\n", kLeft, kTop + plot_h,
                     kLeft + plot_w, kTop + plot_h);
    s += fmt::format("<rect x=\"{}\" y=\"5\" width=\"10\" height=\"9\" fill=\"#6b9bd8\"/><text x=\"{}\" y=\"13\">放行 / passages (left)</text>\n",
                     kLeft, kLeft + 14);
    s += fmt::format("<line x1=\"{}\" y1=\"10\" x2=\"{}\" y2=\"10\" stroke=\"#b42318\" stroke-width=\"1.4\"/><circle cx=\"{}\" cy=\"10\" "
                     "r=\"2.6\" fill=\"#b42318\"/><text x=\"{}\" y=\"13\">告警 / alerts (right)</text>\n",
                     kLeft + 170, kLeft + 186, kLeft + 178, kLeft + 190);
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#444\">{} ({})</text>\n", kLeft + plot_w / 2, kHeight - 4,
                     "时 / local hour", esc(r.zone.name()));
    return s + "</svg>\n";
}

std::string render_html(const DailyReport& r) {
    const json j = to_json(r);
    std::string h = head(std::string("台账 ") + r.day.to_string() + " " + r.site);
    h += "<h1>" + esc(labels::kTitle) + "</h1>\n<div class=\"meta\"><span><b>" + esc(r.day.to_string()) + "</b> (" +
         esc(r.zone.name()) + ")</span><span>单位 / Site: " + esc(r.site) + "</span><span>网关 / Gateway: " + esc(r.gateway) +
         "</span><span>通道 / Gate: " + esc(r.gate.value_or("全部 / all")) + "</span></div>\n";
    if (r.zero_report()) {
        h += std::string("<div class=\"zero\">") + labels::kZeroReport + "</div>\n";
    } else {
        h += "<div class=\"fever\">体温≥阈值 " + std::to_string(r.figures.total.fever) + " 人次 / " +
             std::to_string(r.figures.total.fever) + " reading(s) at or over the threshold</div>\n";
    }
    for (const auto& note : r.notes) h += "<div class=\"note\">⚠ " + esc(note) + "</div>\n";
    h += "<h2>汇总 / Summary</h2>\n" + figures_table(j);
    h += "<h2>每小时放行与告警 / Passages and alerts per hour</h2>\n<div class=\"chart\">" + hourly_chart_svg(r) + "</div>\n";
    h += "<h2>体温≥阈值及复测处置 / Readings at or over the threshold and their re-check</h2>\n";
    if (j["fever_readings"].empty()) {
        h += std::string("<p>") + labels::kZeroReport + "</p>\n";
    } else {
        h += readings_table(j["fever_readings"], r.zone);
    }
    if (!j["uncertain_denials"].empty()) {
        h += "<h2>测温未成功被拒 / Denied for an uncertain screening</h2>\n" + readings_table(j["uncertain_denials"], r.zone);
    }
    if (!j["offline"].empty()) {
        h += "<h2>离线与故障 / Terminals offline and camera faults</h2>\n<table>\n<tr><th>类型 / Kind</th><th>通道 / Gate</th>"
             "<th>设备 / Device</th><th>从 / From</th><th>到 / To</th><th>分钟 / Minutes</th></tr>\n";
        for (const auto& p : j["offline"]) {
            h += "<tr><td>" + esc(p["kind"].get<std::string>()) + "</td><td>" + esc(p["gate"].get<std::string>()) + "</td><td>" +
                 esc(p["source"].get<std::string>()) + "</td><td>" + cells::clock(p["from"]) + "</td><td>" + cells::clock(p["to"]) +
                 (p["open"].get<bool>() ? " …" : "") + "</td><td class=\"n\">" + cells::number(p["minutes"]) + "</td></tr>\n";
        }
        h += "</table>\n";
    }
    h += signature();
    h += "<div class=\"foot\">gatehouse · " + esc(j["generated"].get<std::string>()) + " · " + esc(r.generated_by) +
         " · 体温阈值 / thresholds:";
    for (const auto& [gate, t] : r.thresholds) h += " " + esc(gate) + " " + fmt::format("{:.1f}", t) + " °C";
    return h + "</div>\n</body>\n</html>\n";
}

std::string render_html(const RangeReport& r) {
    const json j = to_json(r);
    std::string h = head(std::string("台账 ") + r.first.to_string() + " – " + r.last.to_string() + " " + r.site);
    h += "<h1>" + esc(labels::kRangeTitle) + "</h1>\n<div class=\"meta\"><span><b>" + r.first.to_string() + " – " +
         r.last.to_string() + "</b> (" + esc(r.zone.name()) + ")</span><span>单位 / Site: " + esc(r.site) +
         "</span><span>网关 / Gateway: " + esc(r.gateway) + "</span><span>通道 / Gate: " + esc(r.gate.value_or("全部 / all")) +
         "</span></div>\n";
    for (const auto& note : r.notes) h += "<div class=\"note\">⚠ " + esc(note) + "</div>\n";
    h += "<table>\n<tr><th>日期 / Day</th>";
    for (const auto& f : labels::kFigures) h += "<th>" + esc(f.label) + "</th>";
    h += "</tr>\n";
    for (const auto& d : j["days"]) {
        h += "<tr><td>" + d["day"].get<std::string>() + (d["zero_report"].get<bool>() ? "<br><small>零报告</small>" : "") + "</td>";
        if (d["purged"].get<bool>()) {
            h += "<td colspan=\"" + std::to_string(std::size(labels::kFigures)) + "\">已按保留期删除 / purged (past retention)</td>";
        } else {
            for (const auto& f : labels::kFigures) h += "<td class=\"n\">" + cells::number(d[f.key]) + "</td>";
        }
        h += "</tr>\n";
    }
    h += "<tr class=\"total\"><td>合计 / Total</td>";
    for (const auto& f : labels::kFigures) h += "<td class=\"n\">" + cells::number(j["total"][f.key]) + "</td>";
    h += "</tr>\n</table>\n" + signature();
    return h + "<div class=\"foot\">gatehouse · " + esc(j["generated"].get<std::string>()) + " · " + esc(r.generated_by) +
           "</div>\n</body>\n</html>\n";
}

}  // namespace gatehouse::daemon::reports
