#pragma once
// An access decision as the ledger keeps it (the audit trail of who was let in or stopped, and why).
#include <cstdint>
#include <optional>
#include <string>

namespace gatehouse::storage {

/// One answered access request.
struct DecisionRecord {
    std::string request;                    ///< The terminal's request id.
    std::string terminal;
    std::string gate;
    std::string person;
    std::string method;                     ///< card, face, qr, pin.
    bool grant = false;
    std::string reasons_json = "[]";        ///< JSON array of machine-readable reasons.
    std::optional<double> celsius;          ///< Temperature used for the decision.
    std::optional<std::string> health_code; ///< Colour presented, if any.
    bool alert = false;                     ///< The policy asked for an alert (e.g. allowed without a check).
    std::int64_t decided_ms = 0;            ///< Gateway wall clock, ms since the Unix epoch.
    std::optional<std::int64_t> screening;  ///< Id of the camera screening the decision used, if any.
    std::optional<std::string> snapshot;    ///< That screening's evidence JPEG.
};

}  // namespace gatehouse::storage
