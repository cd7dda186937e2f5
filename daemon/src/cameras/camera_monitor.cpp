#include "gatehouse/daemon/camera_monitor.hpp"

namespace gatehouse::daemon {

using Time = std::chrono::steady_clock::time_point;

void CameraMonitor::reset(const std::vector<CameraConfig>& cameras, Time now) {
    std::map<std::string, CameraStatus> next;
    for (const auto& c : cameras) {
        CameraStatus s;
        s.id = c.id;
        s.gate = c.gate;
        s.stall_timeout = c.stall_timeout;
        s.last_report = now;
        next.emplace(c.id, std::move(s));
    }
    cameras_ = std::move(next);
}

std::vector<CameraTransition> CameraMonitor::on_health(const std::string& camera, const vision::CameraHealth& health,
                                                      Time now) {
    std::vector<CameraTransition> out;
    const auto it = cameras_.find(camera);
    if (it == cameras_.end()) return out;
    CameraStatus& s = it->second;
    s.last_report = now;
    s.fps = health.fps;
    s.frames = health.frames;
    const std::string reference(vision::to_string(health.reference));
    s.reference_offset_celsius = health.reference_offset_celsius;
    // The first report after start-up (or a reload that restarted the cameras) counts as a recovery too: an alert
    // left open by the previous run, or before the restart, is then closed as soon as the camera is seen healthy.
    const bool first_report = !s.health_seen;
    s.health_seen = true;
    if (s.state != "running") {
        out.push_back({CameraTransition::Kind::recovered, camera,
                       s.state == "starting" ? "frames are arriving" : "frames are arriving again"});
        s.state = "running";
    }
    const bool was_fault = s.reference == "missing" || s.reference == "unstable";
    const bool is_fault = reference == "missing" || reference == "unstable";
    if (is_fault && (first_report || !was_fault)) {
        out.push_back({CameraTransition::Kind::blackbody_fault, camera, "blackbody reference " + reference});
    } else if (!is_fault && (first_report || was_fault)) {
        out.push_back({CameraTransition::Kind::blackbody_ok, camera, "blackbody reference " + reference});
    }
    s.reference = reference;
    return out;
}

std::vector<CameraTransition> CameraMonitor::on_fault(const std::string& camera, const std::string& message, Time now) {
    std::vector<CameraTransition> out;
    const auto it = cameras_.find(camera);
    if (it == cameras_.end()) return out;
    CameraStatus& s = it->second;
    s.last_report = now;
    s.last_error = message;
    ++s.faults;
    if (s.state != "faulted") {
        s.state = "faulted";
        out.push_back({CameraTransition::Kind::fault, camera, message});
    }
    return out;
}

void CameraMonitor::on_screening(const std::string& camera, Time now) {
    const auto it = cameras_.find(camera);
    if (it == cameras_.end()) return;
    ++it->second.screenings;
    it->second.last_report = now;
}

std::vector<CameraTransition> CameraMonitor::check_stalls(Time now) {
    std::vector<CameraTransition> out;
    for (auto& [id, s] : cameras_) {
        if (s.state == "faulted" || now - s.last_report <= s.stall_timeout) continue;
        s.state = "faulted";
        ++s.faults;
        s.last_error = "no frames for " + std::to_string(s.stall_timeout.count()) + " ms";
        out.push_back({CameraTransition::Kind::fault, id, s.last_error});
    }
    return out;
}

bool CameraMonitor::faulted(const std::string& camera) const {
    const auto it = cameras_.find(camera);
    return it == cameras_.end() || it->second.state == "faulted";
}

}  // namespace gatehouse::daemon
