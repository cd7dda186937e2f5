#pragma once
// Waiting for something a test can observe, instead of sleeping for a time that a loaded machine may exceed.
#include <chrono>
#include <thread>

namespace gatehouse::test {

/// Polls `condition` every `poll` until it holds or `limit` has passed; whether it held. The limit is a
/// bound for a broken build, not a speed expectation: keep it generous (sanitizers, a busy 2-core machine).
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(20),
                std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(poll);
    }
    return condition();
}

}  // namespace gatehouse::test
