#include "gatehouse/daemon/camera_reports.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace gatehouse::daemon {

CameraReportQueue::CameraReportQueue(std::size_t capacity) : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)), capacity_(capacity) {
    if (fd_ < 0) throw std::runtime_error(std::string("cannot create the camera report signal: ") + std::strerror(errno));
}

CameraReportQueue::~CameraReportQueue() { ::close(fd_); }

bool CameraReportQueue::push(CameraReport report) {
    {
        std::lock_guard lock(mutex_);
        if (reports_.size() >= capacity_) {
            ++dropped_;
            return false;
        }
        reports_.push_back(std::move(report));
    }
    const std::uint64_t one = 1;
    // EAGAIN only when the counter is near 2^64: the signal is set already.
    (void)!::write(fd_, &one, sizeof one);
    return true;
}

std::vector<CameraReport> CameraReportQueue::take() {
    std::uint64_t count = 0;
    (void)!::read(fd_, &count, sizeof count);  // EAGAIN when nothing was signalled: fine
    std::lock_guard lock(mutex_);
    std::vector<CameraReport> out(std::make_move_iterator(reports_.begin()), std::make_move_iterator(reports_.end()));
    reports_.clear();
    return out;
}

std::uint64_t CameraReportQueue::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

}  // namespace gatehouse::daemon
