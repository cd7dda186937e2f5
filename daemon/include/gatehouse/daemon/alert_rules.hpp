#pragma once
// Which alerts a terminal event or an access decision raises: pure functions of typed values and the gate's
// policy, so every rule is testable without a gateway.
#include <optional>
#include <string>
#include <vector>

#include "gatehouse/daemon/access_policy.hpp"
#include "gatehouse/daemon/alert_book.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/daemon/pseudonymiser.hpp"
#include "gatehouse/ipc/terminal_messages.hpp"
#include "gatehouse/storage/screening_record.hpp"

namespace gatehouse::daemon {

/// An alert to raise. When its text names a person and the upstream gets pseudonyms, `upstream_text` is the same
/// text with the pseudonym (the ledger and the gate LAN's consoles keep the id).
struct AlertDraft {
    AlertSpec spec;
    std::optional<std::string> upstream_text;
};

/// The alerts a newly stored terminal event raises at `gate` under `policy`: tamper; door forced or held open; a red
/// or yellow health code; a terminal temperature at or above the gate's fever threshold. Others raise none.
std::vector<AlertDraft> alerts_for_event(const ipc::Event& event, const GateConfig& gate,
                                         const Pseudonymiser* pseudonymiser);

/// What was decided for one access request, as the alert rules need it.
struct DecidedRequest {
    const ipc::AccessRequest* request = nullptr;
    std::string gate;
    const AccessOutcome* outcome = nullptr;
    std::optional<double> celsius;          ///< The temperature the decision used.
    const storage::ScreeningRecord* screening = nullptr;  ///< The camera screening it used, if any.
};

/// The alerts a decision raises: one per finding a guard must act on (red or yellow code, a fever the camera did
/// not already alert on), `denied` for other denials when `alert_on_denied`, `unchecked_pass` when the policy let
/// someone through without a required check.
std::vector<AlertDraft> alerts_for_decision(const DecidedRequest& decided, bool alert_on_denied,
                                            const Pseudonymiser* pseudonymiser);

}  // namespace gatehouse::daemon
