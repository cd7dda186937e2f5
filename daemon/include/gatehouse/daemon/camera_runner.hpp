#pragma once
// One gate camera inside the daemon: its own thread runs the screening pipeline and reports to the reactor.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "gatehouse/daemon/gateway_config.hpp"
#include "gatehouse/vision/screening_config.hpp"

namespace gatehouse::daemon {

/// The pipeline configuration of a configured camera: its gate's threshold unless it sets its own, snapshots
/// under `default_snapshot_dir` unless it names a directory. Throws ConfigError for an invalid combination.
vision::ScreeningConfig screening_config_for(const CameraConfig& camera, const GateConfig& gate,
                                             const std::filesystem::path& default_snapshot_dir);

/// Runs one camera on its own thread: opens the source, paces replayed frames, runs the pipeline and sends
/// what it finds to `report_endpoint` (an inproc PULL socket of the reactor) as JSON messages:
/// {"type":"screening","camera","screening":{...}}, {"type":"camera_health","camera","health":{...}} (about once
/// a second while frames flow), {"type":"camera_fault","camera","message","retry_in_ms"}. A source that is missing
/// or fails is reopened with exponential backoff (0.5 s doubling up to max_backoff); a finite source that ends is
/// restarted when `loop` is set and otherwise reported as a fault. Never throws out of its thread.
/// Thread-safety: construct and destroy on the reactor thread; the destructor stops and joins the thread.
class CameraRunner {
public:
    CameraRunner(zmq::context_t& context, std::string report_endpoint, CameraConfig camera,
                 vision::ScreeningConfig screening);
    ~CameraRunner();
    CameraRunner(const CameraRunner&) = delete;
    CameraRunner& operator=(const CameraRunner&) = delete;

    const CameraConfig& config() const { return camera_; }

private:
    void run();
    /// Sleeps up to `duration`; returns false when asked to stop meanwhile.
    bool pause(std::chrono::milliseconds duration);

    zmq::context_t& context_;
    std::string report_endpoint_;
    CameraConfig camera_;
    vision::ScreeningConfig screening_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<bool> stopping_{false};  // set under mutex_ so pause() cannot miss the wake-up
    std::thread thread_;
};

}  // namespace gatehouse::daemon
