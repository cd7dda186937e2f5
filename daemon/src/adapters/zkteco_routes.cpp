// ZKTeco ADMS ("iclock") push: handshake GET /iclock/cdata?SN=..&options=all, uploads POST /iclock/cdata?SN=..&table=,
// command poll GET /iclock/getrequest?SN=.. (the device's heartbeat), command results POST /iclock/devicecmd.
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "adapters/adapter_state.hpp"
#include "gatehouse/daemon/adapters/zkteco_push.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/ledger.hpp"

namespace gatehouse::daemon::adapters {
namespace {

// A device's uploads are a few hundred records at most (TransInterval); more in one body is refused.
constexpr std::size_t kMaxRecordsPerUpload = 10000;
// Record keys remembered per device to store a resent upload once (about a day of a busy gate).
constexpr std::size_t kRememberedRecords = 20000;

void text(httplib::Response& res, int status, const std::string& body) {
    res.status = status;
    res.set_content(body, "text/plain");
}

std::string firmware_of(const httplib::Request& req) {
    std::string v = req.get_param_value("pushver");
    if (v.empty() || v.size() > 64) return "unknown";
    for (const char ch : v) {
        if (ch < 0x20 || ch >= 0x7f) return "unknown";
    }
    return "push " + v;
}

ZktecoDeviceState& device_state(AdapterServer::State& state, const std::string& serial) {
    std::lock_guard lock(state.mutex);
    auto& slot = state.zkteco[serial];
    if (!slot) slot = std::make_unique<ZktecoDeviceState>();
    return *slot;
}

// Asks the gateway where the terminal's sequence stands (its welcome), as a native terminal does after a connect.
void load_stored_keys(AdapterServer::State& state, ZktecoDeviceState& d, const AdapterDevice& device);

bool sync_seq(AdapterServer::State& state, ZktecoDeviceState& d, const AdapterDevice& device, const httplib::Request& req) {
    if (!d.keys_loaded) {
        try {
            load_stored_keys(state, d, device);
        } catch (const std::exception& e) {
            // Without them a resend may be stored twice; refuse for now (the device retries) rather than risk it.
            spdlog::warn("adapter {}: cannot read device {}'s stored records from the ledger: {}", state.id, device.serial, e.what());
            return false;
        }
    }
    const GatewayAnswer a = state.submit({ipc::Hello{device.terminal, "zkteco", firmware_of(req)}});
    if (a.http_status != 200 || a.replies.empty()) return false;
    const auto* welcome = std::get_if<ipc::Welcome>(&a.replies.front());
    if (!welcome) return false;
    d.last_seq = welcome->last_seq.value_or(0);
    return true;
}

void remember(ZktecoDeviceState& d, const std::string& key) {
    if (!d.stored.insert(key).second) return;
    d.stored_order.push_back(key);
    if (d.stored_order.size() > kRememberedRecords) {
        d.stored.erase(d.stored_order.front());
        d.stored_order.pop_front();
    }
}

// After a start, what the device's recent records were is in the ledger (each event keeps its record_key): a
// resend of an upload committed before a crash or restart is then stored once, as within one run.
void load_stored_keys(AdapterServer::State& state, ZktecoDeviceState& d, const AdapterDevice& device) {
    storage::Ledger ledger({state.env.ledger_path, /*read_only=*/true});
    storage::EventFilter f;
    f.terminal = device.terminal;
    f.last = static_cast<std::int64_t>(kRememberedRecords);
    for (const auto& row : ledger.query_events(f)) {
        const auto data = nlohmann::json::parse(row.event.data_json, nullptr, /*allow_exceptions=*/false);
        if (!data.is_object()) continue;
        const auto key = data.find("record_key");
        if (key != data.end() && key->is_string()) remember(d, key->get<std::string>());
    }
    d.keys_loaded = true;
}

void handshake(AdapterServer::State& state, const httplib::Request& req, httplib::Response& res) {
    const std::string serial = req.get_param_value("SN");
    const auto device = state.admit(serial, req, res);
    if (!device) return;
    ZktecoDeviceState& d = device_state(state, serial);
    std::lock_guard busy(d.busy);
    if (!sync_seq(state, d, *device, req)) return text(res, 503, "gateway busy, retry\n");
    // The options say: send every stored record (stamps None), in real time, polling at the gateway's heartbeat
    // interval; TimeZone is informative (records carry the device's local time, read in the adapter's zone).
    const auto delay = std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(state.env.heartbeat_interval).count());
    text(res, 200,
         fmt::format("GET OPTION FROM: {}\nATTLOGStamp=None\nOPERLOGStamp=None\nATTPHOTOStamp=None\nErrorDelay=30\n"
                     "Delay={}\nTransTimes=00:00;14:05\nTransInterval=1\nTransFlag=TransData AttLog OpLog\n"
                     "TimeZone={}\nRealtime=1\nEncrypt=None\n",
                     serial, delay, state.env.zone.offset(ipc::utc_now_ms()).count() / 60));
}

void upload(AdapterServer::State& state, const httplib::Request& req, httplib::Response& res) {
    const std::string serial = req.get_param_value("SN");
    const auto device = state.admit(serial, req, res);
    if (!device) return;
    const auto table = zkteco_table(req.get_param_value("table"));
    if (!table) {
        // Tables gatehouse does not read (ATTPHOTO, BIODATA, ...) are acknowledged and not stored.
        return text(res, 200, "OK\n");
    }
    auto decoded = decode_zkteco_upload(*table, req.body, kMaxRecordsPerUpload);
    if (auto* refusal = std::get_if<ZktecoRefusal>(&decoded)) {
        spdlog::warn("adapter {}: refused an upload of device {}: {}", state.id, serial, refusal->message);
        return text(res, 400, "ERROR: " + refusal->message + "\n");
    }
    const ZktecoUpload& u = std::get<ZktecoUpload>(decoded);
    ZktecoDeviceState& d = device_state(state, serial);
    std::lock_guard busy(d.busy);
    if (!d.last_seq && !sync_seq(state, d, *device, req)) return text(res, 503, "gateway busy, retry\n");
    std::vector<TerminalMessage> messages;
    std::vector<std::string> keys;  // per message: the record it came from
    std::int64_t seq = *d.last_seq;
    for (const auto& r : u.records) {
        if (d.stored.count(r.key)) continue;  // a resent upload: stored already
        for (auto& e : map_zkteco_record(r, device->terminal, seq + 1, state.env.zone)) {
            seq = e.seq;
            messages.emplace_back(std::move(e));
            keys.push_back(r.key);
        }
    }
    if (messages.empty()) return text(res, 200, fmt::format("OK: {}\n", u.records.size() + u.operations));
    const GatewayAnswer a = state.submit(std::move(messages));
    for (std::size_t i = 0; i < a.replies.size(); ++i) {
        const auto* ack = std::get_if<ipc::Ack>(&a.replies[i]);
        if (!ack) continue;
        // Acks name their seq: the record behind each one is stored.
        const std::int64_t index = ack->seq - (*d.last_seq + 1);
        if (index >= 0 && static_cast<std::size_t>(index) < keys.size()) remember(d, keys[static_cast<std::size_t>(index)]);
    }
    if (a.http_status != 200) {
        d.last_seq.reset();  // ask the gateway again next time where the sequence stands
        spdlog::warn("adapter {}: upload of device {} not (fully) stored ({}): answered {}", state.id, serial, a.reason,
                     a.http_status);
        return text(res, a.http_status, "ERROR: " + a.reason + "\n");
    }
    d.last_seq = seq;
    text(res, 200, fmt::format("OK: {}\n", u.records.size() + u.operations));
}

void poll(AdapterServer::State& state, const httplib::Request& req, httplib::Response& res) {
    const std::string serial = req.get_param_value("SN");
    const auto device = state.admit(serial, req, res);
    if (!device) return;
    const GatewayAnswer a = state.submit({ipc::Heartbeat{device->terminal}});
    // No commands: gatehouse does not administer the device.
    text(res, a.http_status == 200 ? 200 : 503, a.http_status == 200 ? "OK\n" : "gateway busy, retry\n");
}

}  // namespace

void add_zkteco_routes(httplib::Server& server, AdapterServer::State& state) {
    server.Get("/iclock/cdata", [&state](const httplib::Request& req, httplib::Response& res) { handshake(state, req, res); });
    server.Post("/iclock/cdata", [&state](const httplib::Request& req, httplib::Response& res) { upload(state, req, res); });
    server.Get("/iclock/getrequest", [&state](const httplib::Request& req, httplib::Response& res) { poll(state, req, res); });
    server.Post("/iclock/devicecmd", [&state](const httplib::Request& req, httplib::Response& res) {
        if (state.admit(req.get_param_value("SN"), req, res)) text(res, 200, "OK\n");
    });
}

}  // namespace gatehouse::daemon::adapters
