// Hikvision ISAPI event push: POST /hikvision/SERIAL (the URL set as the device's HTTP listening host), JSON or
// multipart/form-data with the JSON part and pictures.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "adapters/adapter_state.hpp"
#include "gatehouse/daemon/adapters/hikvision_event.hpp"
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

void handle_post(AdapterServer::State& state, const httplib::Request& req, httplib::Response& res) {
    const auto device = state.admit(req.matches[1].str(), req, res);
    if (!device) return;
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
    std::optional<PendingPicture> picture;
    if (post->picture && !post->picture->empty()) {
        picture.emplace(state.env.snapshot_dir,
                        device->terminal + "-" + std::to_string(*n.serial_no) + (post->thermal_picture ? "-thermal" : "") + ".jpg",
                        *post->picture);
        // The evidence belongs with the temperature (the last event), else with the event itself.
        events.back().extra_data.push_back({"snapshot", nlohmann::json(picture->path().string()).dump()});
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
