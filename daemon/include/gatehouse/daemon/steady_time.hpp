#pragma once
// The reactor's clock for deadlines and ages: monotonic, unaffected by wall-clock jumps (records carry the wall
// clock separately, as ms since the epoch: ipc::utc_now_ms()).
#include <chrono>

namespace gatehouse::daemon {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;

}  // namespace gatehouse::daemon
