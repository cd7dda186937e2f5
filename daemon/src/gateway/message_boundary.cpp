#include "gatehouse/daemon/message_boundary.hpp"

#include <fmt/format.h>

namespace gatehouse::daemon {

std::string MessageBoundary::describe(const std::exception& e) noexcept {
    try {
        return e.what();
    } catch (...) {
        return "exception";
    }
}

void MessageBoundary::contained(const char* socket, const std::string& reason) noexcept {
    try {
        ++failures_[socket];
        log_.warn(std::string("internal:") + socket,
                  fmt::format("internal error in the {} handler (what it was handling was refused or left undone; "
                              "the gateway goes on): {}",
                              socket, reason));
    } catch (...) {
        // Out of memory while counting: nothing more can be said, and the reactor must go on.
    }
}

}  // namespace gatehouse::daemon
