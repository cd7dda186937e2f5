#pragma once
// Private to the adapters: the state a listener's handlers share, and the pieces both vendors' routes use.
#include <deque>
#include <map>
#include <mutex>
#include <set>

#include <httplib.h>

#include "gatehouse/daemon/adapters/adapter_server.hpp"

namespace gatehouse::daemon::adapters {

/// How the gateway answered one request's messages, as the device is to be told.
struct GatewayAnswer {
    int http_status = 200;  ///< 200 all answered well; 503 retry later (not stored); 400 refused for good.
    std::string reason;     ///< Why, when not 200.
    std::vector<ipc::GatewayReply> replies;
};

/// Per ZKTeco device: its sequence counter and the records it has already had stored (a resent upload is stored
/// once). One request of a device at a time.
struct ZktecoDeviceState {
    std::mutex busy;
    std::optional<std::int64_t> last_seq;  ///< Unknown until the gateway's welcome says.
    std::set<std::string> stored;          ///< Keys of recent stored records, bounded (oldest dropped first).
    std::deque<std::string> stored_order;
};

struct AdapterServer::State {
    AdapterEnvironment env;
    AdapterKind kind;
    std::size_t max_body_bytes = 0;
    std::size_t max_part_bytes = 0;
    std::chrono::milliseconds remote_check_budget{1300};
    std::string id;

    std::mutex mutex;  ///< Guards devices (a reload replaces them) and zkteco.
    std::vector<AdapterDevice> devices;
    std::map<std::string, std::unique_ptr<ZktecoDeviceState>> zkteco;  ///< By serial.
    std::map<std::string, bool> fallback_grants;  ///< By terminal: whether its gate's fallback opens.

    /// Whether the gate of `terminal` opens when no decision can be made in time (its policy's
    /// on_check_unavailable); deny when unknown (fail secure).
    bool fallback_grants_for(const std::string& terminal);

    /// The device with this serial if it is listed and the request comes from one of its addresses; else the
    /// response is set (403) and nullopt returned. Nothing of a refused request is stored.
    std::optional<AdapterDevice> admit(const std::string& serial, const httplib::Request& req, httplib::Response& res);
    /// Submits and waits; what to tell the device.
    GatewayAnswer submit(std::vector<TerminalMessage> messages, std::chrono::milliseconds wait = kCommitWait);
};

void add_hikvision_routes(httplib::Server& server, AdapterServer::State& state);
void add_zkteco_routes(httplib::Server& server, AdapterServer::State& state);

}  // namespace gatehouse::daemon::adapters
