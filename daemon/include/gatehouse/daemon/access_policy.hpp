#pragma once
// The gate's decision: fuse credential, lists, health code and temperature under the gate's policy.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/ipc/terminal_messages.hpp"
#include "gatehouse/storage/person_list.hpp"

namespace gatehouse::daemon {

/// Everything known about one request when it is decided.
struct AccessFacts {
    const ipc::AccessRequest* request = nullptr;
    std::optional<storage::PersonListEntry> allow_entry;
    std::optional<storage::PersonListEntry> deny_entry;
    std::optional<double> celsius;  ///< The temperature to judge by (screening or terminal reading).
    bool fever_flagged = false;     ///< The camera's verdict was elevated (it may use an adaptive threshold).
    /// The reason to give when a temperature is required and there is none: no_screening (nobody screened
    /// within the fusion window), screening_uncertain (screened, but no reliable reading) or camera_fault.
    std::string temperature_unavailable = "no_screening";
    std::int64_t now_ms = 0;
};

/// The decision with its reasons and the texts for the terminal's screen.
struct AccessOutcome {
    bool grant = false;
    std::vector<std::string> reasons;  ///< Every finding, deny reasons first in a fixed order.
    bool alert = false;                ///< Allowed although a required check could not be made.
    std::string display_zh;
    std::string display_en;
};

/// Pure function of the policy and the facts; no I/O, so it is cheap and testable on its own.
AccessOutcome decide_access(const GatePolicy& policy, const AccessFacts& facts);

}  // namespace gatehouse::daemon
