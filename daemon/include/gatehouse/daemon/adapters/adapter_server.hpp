#pragma once
// One `[[adapters]]` entry as a running HTTP listener (cpp-httplib): it decodes each device request once into typed
// terminal messages, hands them to the gateway through the AdapterInbox and answers the device only once the
// gateway has answered them (an event: once it is committed), so that the device resends what was not stored.
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gatehouse/daemon/adapters/adapter_config.hpp"
#include "gatehouse/daemon/adapters/adapter_inbox.hpp"
#include "gatehouse/daemon/local_time_zone.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace gatehouse::daemon::adapters {

/// What an adapter needs of the gateway besides its own configuration.
struct AdapterEnvironment {
    AdapterInbox* inbox = nullptr;
    LocalTimeZone zone = LocalTimeZone::utc();  ///< How ZKTeco devices' local clock times are read.
    std::filesystem::path snapshot_dir;           ///< Where pictures sent with events are kept (private).
    std::chrono::milliseconds heartbeat_interval{5000};  ///< Told to ZKTeco devices as their poll delay.
};

/// How long a device request waits for the gateway's answers before it is answered 503 (and resent).
inline constexpr std::chrono::milliseconds kCommitWait{5000};

/// The running listener. The constructor binds (throws std::runtime_error naming the adapter when it cannot) and
/// serves on its own threads; the destructor stops it. Thread-safety: reconfigure from any thread.
class AdapterServer {
public:
    AdapterServer(AdapterConfig config, AdapterEnvironment environment);
    ~AdapterServer();
    AdapterServer(const AdapterServer&) = delete;
    AdapterServer& operator=(const AdapterServer&) = delete;

    /// Takes a reload's device table (the listener itself stays).
    void reconfigure(const AdapterConfig& config);
    /// What each terminal's gate answers a remote check that cannot be decided in time: true opens (the gate's
    /// policy allows when a check is unavailable), false does not. Set at start and on every reload.
    void set_remote_check_fallbacks(std::map<std::string, bool> grant_by_terminal);
    /// "HOST:PORT" actually bound.
    const std::string& address() const { return address_; }
    const std::string& id() const { return id_; }

    struct State;

private:
    std::string id_;
    std::unique_ptr<State> state_;
    std::unique_ptr<httplib::Server> server_;
    std::string address_;
    std::atomic<bool> listen_returned_{false};
    std::thread thread_;
};

}  // namespace gatehouse::daemon::adapters
