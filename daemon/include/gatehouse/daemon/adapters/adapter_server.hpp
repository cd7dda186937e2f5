#pragma once
// One `[[adapters]]` entry as a running HTTP listener (cpp-httplib): it decodes each device request once into typed
// terminal messages, hands them to the gateway through the AdapterInbox and answers the device only once the
// gateway has answered them (an event: once it is committed), so that the device resends what was not stored.
#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <vector>
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
    /// Silence after which a device is offline: its next request starts a backfill from its event log.
    std::chrono::milliseconds heartbeat_timeout{15000};
    std::filesystem::path ledger_path;  ///< Read (read-only) for the time of a device's last stored event.
};

/// One device's figures since start (gatehouse status, metrics).
struct AdapterDeviceStats {
    std::string serial;
    std::string terminal;
    std::optional<std::int64_t> last_contact_ms_ago;  ///< Since its last request that passed the allow-list.
    std::uint64_t accepted = 0;                      ///< Requests answered 200.
    std::map<std::string, std::uint64_t> refused;    ///< By reason (auth_*, address_not_allowed, malformed, ...).
    std::uint64_t remote_checks_decided = 0;         ///< Remote checks answered with the gateway's decision.
    std::uint64_t remote_checks_fallback = 0;        ///< Remote checks answered with the gate's fallback.
    std::uint64_t remote_checks_undelivered = 0;     ///< Answers the device did not take.
    std::string backfill;                            ///< The last backfill's outcome ("" when none ran).
};

/// An adapter's figures: its devices', and refusals of serials it does not list.
struct AdapterStats {
    std::string id;
    std::string kind;
    std::string address;
    std::vector<AdapterDeviceStats> devices;
    std::uint64_t unknown_device_refusals = 0;
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
    /// A snapshot of the adapter's figures.
    AdapterStats stats() const;
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
