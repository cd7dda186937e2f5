#pragma once
// The web console's live view: follows the console publication and reads what it announces from the ledger, so
// that every message carries the ledger's id; browsers' streams pull from its ring.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "gatehouse/daemon/web/live_cursor.hpp"
#include "gatehouse/storage/ledger.hpp"

namespace gatehouse::daemon::web {

/// One message of the live view, as the browsers get it.
struct LiveMessage {
    std::uint64_t seq = 0;              ///< Position in the feed (not a ledger id).
    std::optional<LiveStream> stream;   ///< The ledger stream it comes from; unset for the gate state.
    std::int64_t id = 0;                ///< Its id in that stream.
    /// alert, alert_state, decision, screening, state; "reset" when a stream's ids started again below `id`.
    std::string event;
    std::string data;                   ///< One line of JSON: the console message (docs/protocol.md) with its id.
};
using LiveMessagePtr = std::shared_ptr<const LiveMessage>;

/// Reads the records of each stream after `cursor` from `ledger` (at most `limit` per stream; `complete` is false
/// when a stream had more), as messages in the order screenings, decisions, alerts, alert actions.
struct LedgerCatchUp {
    std::vector<LiveMessage> messages;
    bool complete = true;
};
LedgerCatchUp read_after(storage::Ledger& ledger, const LiveCursor& cursor, std::size_t limit);

/// Follows the console publication on its own thread (a SUB socket on the in-process endpoint): each message
/// wakes it to read the ledger after its cursor, and what it reads goes into a ring of recent messages that
/// every browser stream follows at its own pace. The ledger is also read once a second without a wake-up
/// (records committed after a full disk are not published again). An alert that is published but not in the
/// ledger (the disk is full) is passed on from the publication. Every two seconds it asks the gateway for its
/// status and publishes the gate state (cameras, terminals) when that changed. Streams are woken at once for
/// alerts and alert actions, and at most every 100 ms for the rest (a busy gate's decisions would otherwise wake
/// every browser's thread per decision).
/// Thread-safety: wait(), next_seq() and state() may be called from any thread.
class LiveFeed {
public:
    LiveFeed(zmq::context_t& context, std::string consoles_endpoint, std::string control_endpoint,
             const std::filesystem::path& ledger, std::size_t capacity = 4096);
    ~LiveFeed();
    LiveFeed(const LiveFeed&) = delete;
    LiveFeed& operator=(const LiveFeed&) = delete;

    /// What wait() found.
    struct Update {
        std::vector<LiveMessagePtr> messages;
        std::uint64_t next = 0;  ///< Pass to the next wait().
        bool overrun = false;    ///< Messages from `from` on have left the ring: read the ledger to catch up.
        bool stopped = false;    ///< The console is stopping.
    };
    /// Messages from feed position `from` on, waiting until `deadline` for at least one.
    Update wait(std::uint64_t from, std::chrono::steady_clock::time_point deadline) const;
    /// The position the next message will have.
    std::uint64_t next_seq() const;
    /// The latest gate state message, if the gateway answered a status request yet.
    LiveMessagePtr state() const;
    /// Ends every wait() (stopped) and the thread.
    void stop();

private:
    void run();
    void push(LiveMessage message);
    /// Wakes the streams for messages held longer than the coalescing window; returns how long the feed thread
    /// may sleep before it must look again.
    std::chrono::steady_clock::duration release_held();
    void catch_up();
    void restart_ids_if_reset();
    void publish_state(const nlohmann::json& status);

    zmq::context_t& context_;
    std::string consoles_endpoint_;
    std::string control_endpoint_;
    storage::Ledger ledger_;  ///< Read-only, the feed thread's alone.
    std::size_t capacity_;
    LiveCursor cursor_;       ///< Feed thread only.
    std::string last_state_;  ///< Feed thread only.

    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::deque<LiveMessagePtr> ring_;
    std::uint64_t next_seq_ = 1;
    /// Streams see messages below this position. Alerts and alert actions move it at once; decisions,
    /// screenings and gate states are held for a short window so that a busy gate wakes the streams less often.
    std::uint64_t released_seq_ = 1;
    std::optional<std::chrono::steady_clock::time_point> held_since_;
    LiveMessagePtr state_;
    bool stopping_ = false;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

/// The gate state message body from a gateway status (cameras and terminals, the count of open alerts).
nlohmann::json gate_state(const nlohmann::json& status);

}  // namespace gatehouse::daemon::web
