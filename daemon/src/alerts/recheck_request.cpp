#include "gatehouse/daemon/recheck_request.hpp"

#include <cmath>

#include <fmt/format.h>

namespace gatehouse::daemon {

bool takes_disposition(const std::string& kind) { return kind == "fever" || kind == "denied"; }
bool needs_disposition(const std::string& kind) { return kind == "fever"; }

std::variant<RecheckOutcome, std::string> read_recheck(const ipc::AlertActionRequest& request,
                                                       const storage::AlertRecord& alert, double threshold) {
    RecheckOutcome out;
    const std::string id = std::to_string(alert.id);
    if (!request.disposition) {
        if (request.recheck_celsius) return std::string("\"recheck_celsius\" needs a \"disposition\"");
        if (request.close && needs_disposition(alert.kind)) {
            return "alert " + id + " is a fever alert: closing it needs the re-check's \"disposition\" "
                   "(recheck_normal, sent_to_clinic, sent_home or other with a note)";
        }
        return out;
    }
    if (!request.close) return std::string("a \"disposition\" is recorded when the alert is closed, not acknowledged");
    if (!takes_disposition(alert.kind)) {
        return "alert " + id + " is a " + alert.kind + " alert: a re-check disposition applies to fever and denied alerts";
    }
    out.disposition = storage::parse_recheck_disposition(*request.disposition);
    if (!out.disposition) {
        return "\"disposition\" '" + *request.disposition + "' is not one of recheck_normal, sent_to_clinic, sent_home, other";
    }
    if (*out.disposition == storage::RecheckDisposition::other && request.note.empty()) {
        return std::string("disposition \"other\" needs a \"note\" saying what was done");
    }
    if (request.recheck_celsius) {
        const double c = *request.recheck_celsius;
        if (!std::isfinite(c) || c < kMinRecheckCelsius || c > kMaxRecheckCelsius) {
            return fmt::format("\"recheck_celsius\" {} is outside {:.1f}-{:.1f} °C", c, kMinRecheckCelsius, kMaxRecheckCelsius);
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
