#pragma once
// Private to the adapters: the state a listener's handlers share, and the pieces both vendors' routes use.
#include <deque>
#include <map>
#include <mutex>
#include <set>

#include <httplib.h>

#include "adapters/digest_auth.hpp"
#include "adapters/hikvision_backfill.hpp"
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
    bool keys_loaded = false;              ///< Whether `stored` was filled from the ledger since start.
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
    std::map<std::string, std::map<std::string, std::uint64_t>> refused;  ///< By serial, by reason.
    DigestVerifier digest{"gatehouse"};
    std::map<std::string, SteadyTime> last_contact;  ///< By serial (steady clock).
    /// By serial: requests answered 200, and remote checks by how they were answered.
    struct DeviceCounters {
        std::uint64_t accepted = 0;
        std::uint64_t remote_decided = 0;
        std::uint64_t remote_fallback = 0;
        std::uint64_t remote_undelivered = 0;
    };
    std::map<std::string, DeviceCounters> counters;
    /// Counts how a listed device's request was answered (refusals by allow-list and digest are counted where
    /// they are made).
    void count_answer(const std::string& serial, int http_status);
    std::map<std::string, BackfillResult> last_backfill;  ///< By serial.
    std::unique_ptr<HikvisionBackfill> backfill;  ///< Hikvision adapters only; last member: stopped first.

    /// Notes a request of the device; true when it is the device's first since start or its first after a silence
    /// longer than the heartbeat timeout (a return: what it logged meanwhile is to be fetched).
    bool note_contact(const std::string& serial);

    /// Counts a refused request of the device `serial` (unlisted serials count under "").
    void count_refusal(const std::string& serial, const std::string& reason);
    /// For a device with credentials: whether the request carries a valid digest; else answers 401 with a fresh
    /// challenge, counts the refusal, and returns false. Devices without credentials pass.
    bool authenticate(const AdapterDevice& device, const httplib::Request& req, httplib::Response& res);

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
