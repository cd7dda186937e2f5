#pragma once
// The daily and range reports written out: JSON for scripts (and upstream), CSV for Excel (UTF-8 with a BOM),
// HTML printable on A4 with an SVG chart, plain text for a terminal, markdown for the chat robots.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gatehouse/daemon/pseudonymiser.hpp"
#include "gatehouse/daemon/reports/daily_report.hpp"

namespace gatehouse::daemon::reports {

enum class ReportFormat { text, csv, html, json };

/// "text", "csv", "html", "json"; nullopt otherwise.
std::optional<ReportFormat> parse_report_format(std::string_view name);
const char* to_string(ReportFormat format);

/// The report as a document of `format`. `colour`: ANSI colour in the text format.
std::string render(const DailyReport& report, ReportFormat format, bool colour = false);
std::string render(const RangeReport& report, ReportFormat format, bool colour = false);

/// The JSON documents (docs/reports.md lists the fields).
nlohmann::json to_json(const DailyReport& report);
nlohmann::json to_json(const RangeReport& report);

/// A chat robot message of the day's summary (title and markdown, in the message format of the alert sinks).
struct ReportChatText {
    std::string title;
    std::string markdown;
};
ReportChatText chat_summary(const DailyReport& report);

/// The SVG bar chart of passages and alerts per local hour (what the HTML report embeds).
std::string hourly_chart_svg(const DailyReport& report);

/// Replaces every person id in the report by its pseudonym (reports that leave the site).
void pseudonymise(DailyReport& report, const Pseudonymiser& pseudonymiser);

/// Lower-case hex SHA-256 of `content` (what the ledger records of each report).
std::string sha256_hex(std::string_view content);

}  // namespace gatehouse::daemon::reports
