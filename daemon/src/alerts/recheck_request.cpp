#include "gatehouse/daemon/recheck_request.hpp"

#include <cmath>

#include <fmt/format.h>

namespace gatehouse::daemon {

bool takes_disposition(const std::string& kind) { return kind == "fever" || kind == "denied"; }
bool needs_disposition(const std::string& kind) { return kind == "fever"; }

std::variant<RecheckOutcome, std::string> read_recheck(const nlohmann::json& request, storage::AlertState to,
                                                       const storage::AlertRecord& alert, const std::string& note,
                                                       double threshold) {
    RecheckOutcome out;
    const auto disposition = request.find("disposition");
    const auto celsius = request.find("recheck_celsius");
    const bool has_disposition = disposition != request.end() && !disposition->is_null();
    const bool has_celsius = celsius != request.end() && !celsius->is_null();
    const std::string id = std::to_string(alert.id);
    if (!has_disposition) {
        if (has_celsius) return std::string("\"recheck_celsius\" needs a \"disposition\"");
        if (to == storage::AlertState::closed && needs_disposition(alert.kind)) {
            return "alert " + id + " is a fever alert: closing it needs the re-check's \"disposition\" "
                   "(recheck_normal, sent_to_clinic, sent_home or other with a note)";
        }
        return out;
    }
    if (to != storage::AlertState::closed) return std::string("a \"disposition\" is recorded when the alert is closed, not acknowledged");
    if (!takes_disposition(alert.kind)) {
        return "alert " + id + " is a " + alert.kind + " alert: a re-check disposition applies to fever and denied alerts";
    }
    if (!disposition->is_string()) return std::string("\"disposition\" must be a string");
    out.disposition = storage::parse_recheck_disposition(disposition->get<std::string>());
    if (!out.disposition) {
        return "\"disposition\" '" + disposition->get<std::string>() +
               "' is not one of recheck_normal, sent_to_clinic, sent_home, other";
    }
    if (*out.disposition == storage::RecheckDisposition::other && note.empty()) {
        return std::string("disposition \"other\" needs a \"note\" saying what was done");
    }
    if (has_celsius) {
        if (!celsius->is_number()) return std::string("\"recheck_celsius\" must be a number of °C");
        const double c = celsius->get<double>();
        if (!std::isfinite(c) || c < kMinRecheckCelsius || c > kMaxRecheckCelsius) {
            return fmt::format("\"recheck_celsius\" {} is outside {:.1f}-{:.1f} °C", celsius->dump(), kMinRecheckCelsius,
                               kMaxRecheckCelsius);
        }
        if (*out.disposition == storage::RecheckDisposition::recheck_normal && c >= threshold) {
            return fmt::format("disposition recheck_normal with a re-check of {:.1f} °C, at or over the gate's threshold "
                               "{:.1f} °C: choose sent_to_clinic, sent_home or other",
                               c, threshold);
        }
        out.recheck_celsius = c;
    }
    return out;
}

}  // namespace gatehouse::daemon
