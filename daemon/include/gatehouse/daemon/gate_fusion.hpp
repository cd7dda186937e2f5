#pragma once
// Matching a gate's camera screenings to the credentials presented there, by time.
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "gatehouse/ipc/terminal_messages.hpp"
#include "gatehouse/storage/screening_record.hpp"

namespace gatehouse::daemon {

/// An access request held back until the gate's camera screens the person (or the window passes).
struct WaitingRequest {
    ipc::AccessRequest request;
    std::string peer;  ///< Connection to answer on.
    std::chrono::steady_clock::time_point arrived;
    std::chrono::steady_clock::time_point deadline;
};

/// A waiting request and the screening that arrived for it.
struct FusionMatch {
    WaitingRequest request;
    storage::ScreeningRecord screening;
};

/// What expire() found: requests whose wait is over, and screenings nobody claimed although a credential was
/// presented near them (more people passed than credentials: a tailgating hint).
struct FusionExpiry {
    std::vector<WaitingRequest> requests;
    std::vector<storage::ScreeningRecord> unclaimed_near_credential;
};

/// One gate's fusion window. People are screened just before or just after they present a credential, in queue
/// order, so a request takes the OLDEST unused screening of the last `window`, or waits up to `window` for the next
/// one. A screening is used by one request only. Pure logic on steady-clock times: no I/O, no threads.
class GateFusion {
public:
    explicit GateFusion(std::chrono::milliseconds window) : window_(window) {}
    void set_window(std::chrono::milliseconds window) { window_ = window; }

    /// A screening arrived. When a request is waiting, the oldest one takes it at once.
    std::optional<FusionMatch> add_screening(storage::ScreeningRecord screening, std::chrono::steady_clock::time_point now);
    /// A credential is presented now: the screening it uses, if one is available.
    std::optional<storage::ScreeningRecord> take(std::chrono::steady_clock::time_point now);
    /// Holds a request until a screening arrives or its deadline passes.
    void wait(WaitingRequest request) { waiting_.push_back(std::move(request)); }
    /// Hands back every waiting request at once (the gate's camera failed: waiting longer is pointless).
    std::vector<WaitingRequest> release_waiting();
    /// Removes what is over at `now`.
    FusionExpiry expire(std::chrono::steady_clock::time_point now);

    std::optional<std::chrono::steady_clock::time_point> next_deadline() const;
    std::size_t waiting() const { return waiting_.size(); }
    std::size_t unused_screenings() const { return screenings_.size(); }

private:
    struct Arrived {
        storage::ScreeningRecord screening;
        std::chrono::steady_clock::time_point at;
    };

    std::chrono::milliseconds window_;
    std::deque<Arrived> screenings_;  ///< unused, oldest first
    std::deque<WaitingRequest> waiting_;
    std::deque<std::chrono::steady_clock::time_point> credentials_;  ///< when credentials were presented lately
};

}  // namespace gatehouse::daemon
