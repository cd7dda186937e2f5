// Hikvision ISAPI event push: POST /hikvision/SERIAL (the URL set as the device's HTTP listening host), JSON or
// multipart/form-data with the JSON part and pictures.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "adapters/adapter_state.hpp"
#include "adapters/isapi_client.hpp"
#include "gatehouse/daemon/adapters/hikvision_event.hpp"
#include "gatehouse/daemon/steady_time.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon::adapters {
namespace {

constexpr const char* kOkBody = R"({"statusCode":1,"statusString":"OK","subStatusCode":"ok"})";

void answer(httplib::Response& res, int status, const std::string& reason) {
    res.status = status;
    if (status == 200) {
        res.set_content(kOkBody, "application/json");
    } else {
        res.set_content(nlohmann::json{{"statusCode", status == 400 ? 4 : 6}, {"statusString", "Error"},
                                       {"subStatusCode", reason}}
                            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                        "application/json");
    }
}

// The picture is written under a temporary name and renamed once its events are committed, so that a refused
// request leaves nothing behind; mode 0600 (health data).
class PendingPicture {
public:
    PendingPicture(const std::filesystem::path& dir, const std::string& name, std::string_view bytes)
        : final_(dir / name), temp_(dir / ("." + name + ".part")) {
        const int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) throw std::runtime_error("cannot write " + temp_.string() + ": " + std::strerror(errno));
        std::size_t written = 0;
        while (written < bytes.size()) {
            const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                const int error = errno;
                ::close(fd);
                ::unlink(temp_.c_str());
                throw std::runtime_error("cannot write " + temp_.string() + ": " + std::strerror(error));
            }
            written += static_cast<std::size_t>(n);
        }
        ::fsync(fd);
        ::close(fd);
    }
    ~PendingPicture() {
        if (!kept_) ::unlink(temp_.c_str());
    }
    PendingPicture(const PendingPicture&) = delete;
    PendingPicture& operator=(const PendingPicture&) = delete;

    const std::filesystem::path& path() const { return final_; }
    void keep() {
        if (::rename(temp_.c_str(), final_.c_str()) == 0) kept_ = true;
    }

private:
    std::filesystem::path final_;
    std::filesystem::path temp_;
    bool kept_ = false;
};

// Of the remote-check budget, what is kept for sending the answer to the device once the decision is there.
constexpr std::chrono::milliseconds kAnswerReserve{200};
// Slot of a remote check's fallback record among the seqs of its serialNo (0: the event, 1: its temperature).
constexpr std::int64_t kFallbackSlot = 2;

/// How a remote check was answered, for the record.
struct RemoteCheckAnswer {
    bool grant = false;
    bool fallback = false;   ///< The gate's fallback, not a decision, was the answer.
    bool delivered = false;  ///< The device took the answer (2xx).
    std::string why;         ///< The decision's reasons, or why there was none.
    std::chrono::milliseconds answered_after{0};  ///< From the request's arrival to the device's reply.
};

std::optional<DeviceCredentials> credentials_of(const AdapterDevice& device) {
    if (device.digest_user.empty()) return std::nullopt;
    return DeviceCredentials{device.digest_user, device.digest_password};
}

std::string device_isapi_base(const AdapterDevice& device, const std::string& source_address) {
    if (!device.isapi_url.empty()) return device.isapi_url;
    return source_address.find(':') != std::string::npos ? "http://[" + source_address + "]" : "http://" + source_address;
}

// Asks the gateway for its decision (the same typed access request a native terminal sends: deny list, policy,
// the gate's camera) until the budget's end less the answer reserve; else the gate's fallback. Then tells the
// device, within what is left of the budget.
RemoteCheckAnswer answer_remote_check(AdapterServer::State& state, const AdapterDevice& device,
                                      const HikvisionNotification& n, SteadyTime received, const std::string& source) {
    RemoteCheckAnswer out;
    const SteadyTime deadline = received + state.remote_check_budget;
    if (const auto request = remote_check_request(n, device.terminal)) {
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - kAnswerReserve - SteadyClock::now());
        GatewayAnswer a;
        if (wait.count() > 0) a = state.submit({*request}, wait);
        const ipc::Decision* decision = nullptr;
        for (const auto& r : a.replies) {
            if (const auto* d = std::get_if<ipc::Decision>(&r)) decision = d;
        }
        if (decision) {
            out.grant = decision->grant;
            for (const auto& reason : decision->reasons) out.why += (out.why.empty() ? "" : ",") + reason;
        } else {
            out.fallback = true;
            out.grant = state.fallback_grants_for(device.terminal);
            out.why = a.reason.empty() ? "no decision within the budget" : a.reason;
        }
    } else {
        out.why = "the event names nobody";
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    IsapiClient client;
    const IsapiResponse r = client.send("PUT", device_isapi_base(device, source) + "/ISAPI/AccessControl/remoteCheck?format=json",
                                        encode_remote_check_answer(*n.serial_no, out.grant, out.why), credentials_of(device),
                                        std::max(left, std::chrono::milliseconds(50)));
    out.answered_after = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - received);
    out.delivered = r.received && r.status >= 200 && r.status < 300;
    {
        std::lock_guard lock(state.mutex);
        auto& c = state.counters[device.serial];
        ++(out.fallback ? c.remote_fallback : c.remote_decided);
        if (!out.delivered) ++c.remote_undelivered;
    }
    if (!out.delivered) {
        spdlog::warn("adapter {}: the remote-check answer to event {} of device {} was not taken: {}", state.id,
                     *n.serial_no, device.serial, r.received ? "HTTP " + std::to_string(r.status) : r.error);
    }
    return out;
}

// The answer goes with the event into the ledger; a fallback is also a record of its own.
void record_remote_check(const RemoteCheckAnswer& answer, const HikvisionNotification& n, const std::string& terminal,
                         std::vector<ipc::Event>& events) {
    const std::string result = answer.grant ? "grant" : "deny";
    nlohmann::json record = {{"result", result}, {"by", answer.fallback ? "fallback" : "decision"},
                             {"answered_after_ms", answer.answered_after.count()}, {"delivered", answer.delivered},
                             {"why", answer.why}};
    const std::string text = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    for (auto& e : events) e.extra_data.push_back({"remote_check", text});
    if (!answer.fallback) return;
    ipc::Event f;
    f.terminal = terminal;
    f.seq = *n.serial_no * kSeqPerSerial + kFallbackSlot;
    f.occurred_ms = n.occurred_ms.value_or(ipc::utc_now_ms());
    f.data = ipc::FaultData{"remote_check_fallback",
                            "no decision within " + std::to_string(answer.answered_after.count()) + " ms (" + answer.why +
                                "): answered " + result + " as the gate's fallback"};
    f.extra_data.push_back({"vendor", "\"hikvision\""});
    f.extra_data.push_back({"serialNo", std::to_string(*n.serial_no)});
    f.extra_data.push_back({"remote_check", text});
    events.push_back(std::move(f));
}

void handle_post(AdapterServer::State& state, const httplib::Request& req, httplib::Response& res) {
    const SteadyTime received = SteadyClock::now();
    const auto device = state.admit(req.matches[1].str(), req, res);
    if (!device || !state.authenticate(*device, req, res)) return;
    // Back after an outage (or first seen since start): fetch from its event log what it logged meanwhile.
    if (state.note_contact(device->serial) && !device->isapi_url.empty() && state.backfill) {
        state.backfill->enqueue({*device, device->isapi_url});
    }
    std::optional<HikvisionPost> post;
    if (req.is_multipart_form_data()) {
        std::vector<PostedPart> parts;
        for (const auto& [name, part] : req.files) parts.push_back({part.name, part.filename, part.content_type, part.content});
        auto decoded = decode_hikvision_multipart(parts, state.max_part_bytes);
        if (auto* refusal = std::get_if<HikvisionRefusal>(&decoded)) {
            const bool too_large = refusal->message.find("exceeds the limit") != std::string::npos;
            return answer(res, too_large ? 413 : 400, refusal->message);
        }
        post = std::get<HikvisionPost>(std::move(decoded));
    } else {
        auto decoded = decode_hikvision_notification(req.body);
        if (auto* refusal = std::get_if<HikvisionRefusal>(&decoded)) return answer(res, 400, refusal->message);
        post = HikvisionPost{std::get<HikvisionNotification>(std::move(decoded)), std::nullopt, false};
    }
    const HikvisionNotification& n = post->notification;
    if (n.type == HikvisionNotification::Type::heartbeat) {
        const GatewayAnswer a = state.submit({ipc::Heartbeat{device->terminal}});
        return answer(res, a.http_status, a.reason);
    }
    std::vector<ipc::Event> events = map_hikvision_event(n, device->terminal, ipc::utc_now_ms());
    if (events.empty()) {
        if (n.type == HikvisionNotification::Type::access_controller) {
            spdlog::warn("adapter {}: device {} sent an AccessControllerEvent without serialNo (major {} sub {}): not "
                         "stored, it cannot be told from a resend",
                         state.id, device->serial, n.major, n.sub);
        }
        // Still a sign of life.
        const GatewayAnswer a = state.submit({ipc::Heartbeat{device->terminal}});
        return answer(res, a.http_status, a.reason);
    }
    // The evidence belongs with the temperature (the last mapped event), else with the event itself.
    const std::size_t evidence = events.size() - 1;
    if (n.remote_check && n.serial_no) {
        record_remote_check(answer_remote_check(state, *device, n, received, req.remote_addr), n, device->terminal, events);
    }
    std::optional<PendingPicture> picture;
    if (post->picture && !post->picture->empty()) {
        picture.emplace(state.env.snapshot_dir,
                        device->terminal + "-" + std::to_string(*n.serial_no) + (post->thermal_picture ? "-thermal" : "") + ".jpg",
                        *post->picture);
        events[evidence].extra_data.push_back({"snapshot", nlohmann::json(picture->path().string()).dump()});
    }
    std::vector<TerminalMessage> messages;
    for (auto& e : events) messages.emplace_back(std::move(e));
    const GatewayAnswer a = state.submit(std::move(messages));
    if (a.http_status == 200 && picture) picture->keep();
    if (a.http_status != 200) {
        spdlog::warn("adapter {}: event {} of device {} not stored ({}): answered {}", state.id, *n.serial_no,
                     device->serial, a.reason, a.http_status);
    }
    answer(res, a.http_status, a.reason);
}

}  // namespace

void add_hikvision_routes(httplib::Server& server, AdapterServer::State& state) {
    server.Post(R"(/hikvision/([A-Za-z0-9._-]{1,64}))",
                [&state](const httplib::Request& req, httplib::Response& res) { handle_post(state, req, res); });
}

}  // namespace gatehouse::daemon::adapters
