#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "gatehouse/daemon/prometheus_text.hpp"

#include "gatehouse/ipc/terminal_messages.hpp"

namespace gatehouse::daemon {

/// Counters of the terminal ingest path since start-up (exposed by `gatehouse status`).
struct IngestCounters {
    std::uint64_t frames = 0;             ///< Frames received on the terminal socket.
    std::uint64_t events_stored = 0;      ///< Events newly committed and acked.
    std::uint64_t events_duplicate = 0;   ///< Resent events acked again without a second row.
    std::uint64_t commits = 0;            ///< Group-commit transactions.
    std::uint64_t commit_failures = 0;    ///< Transactions that failed (events answered storage_unavailable).
    std::uint64_t largest_batch = 0;
    std::array<std::uint64_t, ipc::kErrorCodeCount> errors{};  ///< Error replies by code.
    std::map<std::string, std::uint64_t> stored_by_kind;        ///< Newly stored events by kind.
    std::uint64_t decisions_granted = 0;
    std::uint64_t decisions_denied = 0;
    std::uint64_t decisions_unrecorded = 0;  ///< Decisions answered although the ledger could not record them (yet).
    std::uint64_t records_unrecorded_lost = 0;  ///< Decisions, screenings, alerts dropped: too many awaited storage.
    std::map<std::string, std::uint64_t> screenings_by_verdict;  ///< Camera screenings received, by verdict.
    std::map<std::string, std::uint64_t> alerts_by_kind;         ///< Alerts raised, by kind.
    /// Time from an access_request's arrival to its decision being sent (includes waiting for a screening).
    LatencyHistogram decision_seconds{{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}};
    /// Time from handing a batch to the ledger writer until its commit returned.
    LatencyHistogram commit_seconds{{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}};

    std::uint64_t total_errors() const {
        std::uint64_t n = 0;
        for (auto e : errors) n += e;
        return n;
    }
};

}  // namespace gatehouse::daemon
