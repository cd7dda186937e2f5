#pragma once
// The re-check that follows a fever alert (or a denial for an uncertain screening), as the control socket's
// alert_close takes it: its types decoded at the edge (ipc::AlertActionRequest), its values checked here against
// the alert it closes.
#include <optional>
#include <string>
#include <variant>

#include "gatehouse/ipc/control_messages.hpp"
#include "gatehouse/storage/alert_record.hpp"

namespace gatehouse::daemon {

/// Re-check temperatures outside this range are typing mistakes, not readings.
inline constexpr double kMinRecheckCelsius = 30.0;
inline constexpr double kMaxRecheckCelsius = 45.0;

/// The decoded fields; both unset when the request carries none.
struct RecheckOutcome {
    std::optional<storage::RecheckDisposition> disposition;
    std::optional<double> recheck_celsius;
};

/// Whether closing an alert of this kind takes a disposition (fever, denied) and whether it needs one (fever).
bool takes_disposition(const std::string& alert_kind);
bool needs_disposition(const std::string& alert_kind);

/// The re-check of an alert_ack / alert_close `request` about `alert`. Refused (the text says why): a disposition
/// that is not one of the four; a disposition on an acknowledgement or on an alert kind without re-checks; a fever
/// alert closed without one; `other` without a note; a re-check temperature without a disposition, outside
/// 30-45 °C, or at or over `threshold` for recheck_normal.
std::variant<RecheckOutcome, std::string> read_recheck(const ipc::AlertActionRequest& request,
                                                       const storage::AlertRecord& alert, double threshold);

}  // namespace gatehouse::daemon
