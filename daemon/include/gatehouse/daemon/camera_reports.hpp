#pragma once
// What the camera threads tell the reactor, as typed values on a bounded queue the reactor polls.
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "gatehouse/vision/camera_health.hpp"
#include "gatehouse/vision/screening.hpp"

namespace gatehouse::daemon {

/// A camera screened a person.
struct CameraScreening {
    std::string camera;
    vision::Screening screening;
};
/// A camera's health, about once a second while frames flow.
struct CameraHealthReport {
    std::string camera;
    vision::CameraHealth health;
};
/// A camera cannot deliver frames; its thread retries after `retry_in`.
struct CameraFault {
    std::string camera;
    std::string message;
    std::chrono::milliseconds retry_in{0};
};
using CameraReport = std::variant<CameraScreening, CameraHealthReport, CameraFault>;

/// Hands reports from any number of camera threads to the reactor. Bounded: when the reactor falls behind by
/// `capacity` reports, further ones are dropped and counted (a camera never waits for the gate). An eventfd
/// signals that reports wait, so the reactor polls it beside its sockets.
/// Thread-safety: push() from any thread; the rest from the reactor thread.
class CameraReportQueue {
public:
    explicit CameraReportQueue(std::size_t capacity = 10000);
    ~CameraReportQueue();
    CameraReportQueue(const CameraReportQueue&) = delete;
    CameraReportQueue& operator=(const CameraReportQueue&) = delete;

    /// Queues a report; false when the queue is full (the report is dropped and counted).
    bool push(CameraReport report);
    /// Everything queued, oldest first; clears the signal.
    std::vector<CameraReport> take();
    /// A file descriptor readable while reports wait (for zmq::poll).
    int signal_fd() const { return fd_; }
    std::uint64_t dropped() const;

private:
    int fd_;
    std::size_t capacity_;
    mutable std::mutex mutex_;
    std::deque<CameraReport> reports_;
    std::uint64_t dropped_ = 0;
};

}  // namespace gatehouse::daemon
