#pragma once
// One gate camera inside the daemon: its own thread runs the screening pipeline and reports to the reactor.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "gatehouse/daemon/camera_reports.hpp"
#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/vision/screening_config.hpp"

namespace gatehouse::daemon {

/// The pipeline configuration of a configured camera: its gate's threshold unless it sets its own, snapshots
/// under `default_snapshot_dir` unless it names a directory. Throws ConfigError for an invalid combination.
vision::ScreeningConfig screening_config_for(const CameraConfig& camera, const GateConfig& gate,
                                             const std::filesystem::path& default_snapshot_dir);

/// Runs one camera on its own thread: opens the source, paces replayed frames, runs the pipeline and hands what
/// it finds to the reactor's queue as typed reports: each screening, the camera's health (about once a second
/// while frames flow) and each fault. A source that is missing
/// or fails is reopened with exponential backoff (0.5 s doubling up to max_backoff); a finite source that ends is
/// restarted when `loop` is set and otherwise reported as a fault. Never throws out of its thread.
/// Thread-safety: construct and destroy on the reactor thread; the destructor stops and joins the thread.
class CameraRunner {
public:
    CameraRunner(CameraReportQueue& reports, CameraConfig camera, vision::ScreeningConfig screening);
    ~CameraRunner();
    CameraRunner(const CameraRunner&) = delete;
    CameraRunner& operator=(const CameraRunner&) = delete;

    const CameraConfig& config() const { return camera_; }

private:
    void run();
    /// Sleeps up to `duration`; returns false when asked to stop meanwhile.
    bool pause(std::chrono::milliseconds duration);

    CameraReportQueue& reports_;
    CameraConfig camera_;
    vision::ScreeningConfig screening_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<bool> stopping_{false};  // set under mutex_ so pause() cannot miss the wake-up
    std::thread thread_;
};

}  // namespace gatehouse::daemon
