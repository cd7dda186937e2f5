#pragma once
// The reactor's view of its cameras: state from their reports, stalls from their silence.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/vision/camera_health.hpp"

namespace gatehouse::daemon {

/// What is known of one camera, for status, metrics and the gate's decisions.
struct CameraStatus {
    std::string id;
    std::string gate;
    std::string state = "starting";  ///< starting, running, faulted.
    double fps = 0;
    std::int64_t frames = 0;
    std::string reference = "not_configured";
    std::optional<double> reference_offset_celsius;
    std::uint64_t screenings = 0;
    std::uint64_t faults = 0;
    std::string last_error;
    std::chrono::steady_clock::time_point last_report{};
    std::chrono::milliseconds stall_timeout{3000};
    bool health_seen = false;  ///< A health report arrived since start-up (or the reload that restarted it).
};

/// A change that raises or clears an alert.
struct CameraTransition {
    enum class Kind { fault, recovered, blackbody_fault, blackbody_ok };
    Kind kind;
    std::string camera;
    std::string message;
};

/// Tracks every camera's state. A fault report, or no report for the camera's stall timeout, makes it faulted;
/// the next health report makes it running again. A camera's first health report after reset() is a recovery
/// (and, when its reference is not at fault, blackbody_ok), so that alerts raised before a restart are
/// re-evaluated. Thread-safety: none; owned by the reactor.
class CameraMonitor {
public:
    /// Starts tracking `cameras` afresh (start-up, reload).
    void reset(const std::vector<CameraConfig>& cameras, std::chrono::steady_clock::time_point now);

    std::vector<CameraTransition> on_health(const std::string& camera, const vision::CameraHealth& health,
                                            std::chrono::steady_clock::time_point now);
    std::vector<CameraTransition> on_fault(const std::string& camera, const std::string& message,
                                           std::chrono::steady_clock::time_point now);
    void on_screening(const std::string& camera, std::chrono::steady_clock::time_point now);
    /// Cameras silent for longer than their stall timeout become faulted.
    std::vector<CameraTransition> check_stalls(std::chrono::steady_clock::time_point now);

    /// True when the camera is not delivering screenings (faulted); unknown cameras count as faulted.
    bool faulted(const std::string& camera) const;
    const std::map<std::string, CameraStatus>& all() const { return cameras_; }

private:
    std::map<std::string, CameraStatus> cameras_;
};

}  // namespace gatehouse::daemon
