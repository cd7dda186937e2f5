// Format names, dispatch to the renderers, and the content hash the ledger records.
#include <openssl/evp.h>

#include <stdexcept>

#include <fmt/format.h>

#include "gatehouse/daemon/reports/report_formats.hpp"

namespace gatehouse::daemon::reports {

std::string render_csv(const DailyReport& r);
std::string render_csv(const RangeReport& r);
std::string render_html(const DailyReport& r);
std::string render_html(const RangeReport& r);
std::string render_text(const DailyReport& r, bool colour);
std::string render_text(const RangeReport& r, bool colour);

std::optional<ReportFormat> parse_report_format(std::string_view name) {
    for (ReportFormat f : {ReportFormat::text, ReportFormat::csv, ReportFormat::html, ReportFormat::json}) {
        if (name == to_string(f)) return f;
    }
    return std::nullopt;
}

const char* to_string(ReportFormat format) {
    switch (format) {
        case ReportFormat::text: return "text";
        case ReportFormat::csv: return "csv";
        case ReportFormat::html: return "html";
        case ReportFormat::json: return "json";
    }
    return "text";
}

namespace {

template <typename Report>
std::string render_report(const Report& r, ReportFormat format, bool colour) {
    switch (format) {
        case ReportFormat::csv: return render_csv(r);
        case ReportFormat::html: return render_html(r);
        case ReportFormat::json: return to_json(r).dump(2) + "\n";
        case ReportFormat::text: return render_text(r, colour);
    }
    return render_text(r, colour);
}

}  // namespace

std::string render(const DailyReport& r, ReportFormat format, bool colour) { return render_report(r, format, colour); }
std::string render(const RangeReport& r, ReportFormat format, bool colour) { return render_report(r, format, colour); }

std::string sha256_hex(std::string_view content) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(content.data(), content.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed (OpenSSL)");
    }
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

}  // namespace gatehouse::daemon::reports
