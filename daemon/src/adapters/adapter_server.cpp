// An adapter's HTTP listener: settings, the device check every route starts with, the wait for the gateway.
#include "adapters/adapter_state.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "gatehouse/daemon/web/web_config.hpp"
#include "gateway/bind_diagnosis.hpp"

namespace gatehouse::daemon::adapters {
namespace {

// A device that stalls mid-request holds one of the listener's threads for at most this long.
constexpr time_t kReadTimeoutSeconds = 10;

bool retryable(ipc::ErrorCode code) {
    return code == ipc::ErrorCode::storage_unavailable || code == ipc::ErrorCode::rate_limited ||
           code == ipc::ErrorCode::internal;
}

}  // namespace

std::optional<AdapterDevice> AdapterServer::State::admit(const std::string& serial, const httplib::Request& req,
                                                         httplib::Response& res) {
    std::lock_guard lock(mutex);
    for (const auto& d : devices) {
        if (d.serial != serial) continue;
        if (!d.allowed_addresses.empty() &&
            std::find(d.allowed_addresses.begin(), d.allowed_addresses.end(), req.remote_addr) == d.allowed_addresses.end()) {
            break;
        }
        return d;
    }
    const bool listed = std::any_of(devices.begin(), devices.end(), [&](const auto& d) { return d.serial == serial; });
    ++refused[listed ? serial : ""][listed ? "address_not_allowed" : "unknown_device"];
    spdlog::warn("adapter {}: refused a request for device '{}' from {}: not listed in [[adapters.devices]] (or not from "
                 "one of its allowed_addresses)",
                 id, serial.substr(0, 64), req.remote_addr);
    res.status = 403;
    res.set_content("device not allowed\n", "text/plain");
    return std::nullopt;
}

void AdapterServer::State::count_answer(const std::string& serial, int http_status) {
    std::lock_guard lock(mutex);
    const bool listed = std::any_of(devices.begin(), devices.end(), [&](const auto& d) { return d.serial == serial; });
    if (!listed) return;
    switch (http_status) {
        case 200: ++counters[serial].accepted; break;
        case 401:
        case 403: break;  // counted with their reason when refused
        case 400: ++refused[serial]["malformed"]; break;
        case 413: ++refused[serial]["too_large"]; break;
        case 503: ++refused[serial]["not_stored_retry"]; break;
        default: ++refused[serial]["http_" + std::to_string(http_status)]; break;
    }
}

bool AdapterServer::State::note_contact(const std::string& serial) {
    const auto now = SteadyClock::now();
    std::lock_guard lock(mutex);
    const auto [it, first] = last_contact.try_emplace(serial, now);
    const bool returned = first || now - it->second > env.heartbeat_timeout;
    it->second = now;
    return returned;
}

void AdapterServer::State::count_refusal(const std::string& serial, const std::string& reason) {
    std::lock_guard lock(mutex);
    ++refused[serial][reason];
}

bool AdapterServer::State::authenticate(const AdapterDevice& device, const httplib::Request& req, httplib::Response& res) {
    if (device.digest_user.empty()) return true;
    const auto now = SteadyClock::now();
    const DigestRefusal refusal = digest.verify(req.get_header_value("Authorization"), req.method, req.target,
                                                {device.digest_user, device.digest_password}, now);
    if (refusal == DigestRefusal::none) return true;
    // The first request of a digest exchange comes without credentials: a challenge, not worth a warning.
    if (refusal != DigestRefusal::missing) {
        spdlog::warn("adapter {}: refused a request of device {} from {}: digest authentication failed ({})", id,
                     device.serial, req.remote_addr, to_string(refusal));
    }
    count_refusal(device.serial, to_string(refusal));
    res.status = 401;
    res.set_header("WWW-Authenticate", digest.challenge(now));
    res.set_content("authentication required\n", "text/plain");
    return false;
}

bool AdapterServer::State::fallback_grants_for(const std::string& terminal) {
    std::lock_guard lock(mutex);
    const auto f = fallback_grants.find(terminal);
    return f != fallback_grants.end() && f->second;
}

GatewayAnswer AdapterServer::State::submit(std::vector<TerminalMessage> messages, std::chrono::milliseconds wait) {
    GatewayAnswer answer;
    const std::size_t expected = messages.size();
    answer.replies = env.inbox->submit_and_wait(std::move(messages), wait);
    for (const auto& r : answer.replies) {
        if (const auto* e = std::get_if<ipc::ProtocolError>(&r)) {
            const bool again = retryable(e->code);
            // A refusal for good outranks one worth retrying: resending the same request cannot succeed.
            if (answer.http_status == 200 || !again) {
                answer.http_status = again ? 503 : 400;
                answer.reason = std::string(ipc::to_string(e->code)) + ": " + e->message;
            }
        } else if (const auto* u = std::get_if<ipc::UnreadableReply>(&r)) {
            answer.http_status = 503;
            answer.reason = "unreadable reply: " + u->why;
        }
    }
    if (answer.replies.size() < expected && answer.http_status == 200) {
        answer.http_status = 503;
        answer.reason = "the gateway did not commit in time (or is stopping): resend later";
    }
    return answer;
}

AdapterServer::AdapterServer(AdapterConfig config, AdapterEnvironment environment)
    : id_(config.id), state_(std::make_unique<State>()), server_(std::make_unique<httplib::Server>()) {
    state_->env = std::move(environment);
    state_->kind = config.kind;
    state_->max_body_bytes = config.max_body_bytes;
    state_->max_part_bytes = config.max_part_bytes;
    state_->remote_check_budget = config.remote_check_budget;
    state_->id = config.id;
    state_->devices = config.devices;
    const auto listen = web::parse_listen_address(config.listen);
    if (!listen) throw std::runtime_error("adapter " + id_ + ": listen '" + config.listen + "' is not HOST:PORT");
    server_->set_payload_max_length(config.max_body_bytes);
    server_->set_read_timeout(kReadTimeoutSeconds, 0);
    server_->set_write_timeout(kReadTimeoutSeconds, 0);
    // Whatever fails while answering one request is contained to it: the device gets a 500 and resends.
    server_->set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        spdlog::error("adapter {}: internal error while answering a device (answered 500, nothing acknowledged): {}", id_, what);
        res.status = 500;
        res.set_content("internal error\n", "text/plain");
    });
    if (config.kind == AdapterKind::hikvision) {
        State& state = *state_;
        state_->backfill = std::make_unique<HikvisionBackfill>(
            id_, state_->env.ledger_path,
            [&state](std::vector<ipc::Event> events) {
                std::vector<TerminalMessage> messages;
                for (auto& e : events) messages.emplace_back(std::move(e));
                const GatewayAnswer a = state.submit(std::move(messages));
                return a.http_status == 200 ? std::string() : a.reason;
            },
            [&state](const AdapterDevice& device, const BackfillResult& result) {
                std::lock_guard lock(state.mutex);
                state.last_backfill[device.serial] = result;
            });
        add_hikvision_routes(*server_, *state_);
    } else {
        add_zkteco_routes(*server_, *state_);
    }
    // Every answer to a listed device is counted by its status (status, metrics).
    server_->set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        const std::string serial = state_->kind == AdapterKind::hikvision
                                       ? (req.matches.size() > 1 ? req.matches[1].str() : std::string())
                                       : req.get_param_value("SN");
        state_->count_answer(serial, res.status);
    });
    // As the metrics and web listeners: a second daemon on the same port is refused, not handed half the devices.
    server_->set_socket_options(set_exclusive_listener_options);
    const int bound = listen->port == 0 ? server_->bind_to_any_port(listen->host)
                                        : (server_->bind_to_port(listen->host, listen->port) ? listen->port : -1);
    if (bound <= 0) throw std::runtime_error("adapter " + id_ + ": cannot listen on " + config.listen);
    address_ = listen->host + ":" + std::to_string(bound);
    thread_ = std::thread([this] {
        server_->listen_after_bind();
        listen_returned_.store(true);
    });
    // A stop() before the thread listens would be lost and the join would wait for ever.
    while (!server_->is_running() && !listen_returned_.load()) std::this_thread::yield();
    spdlog::info("adapter {} ({}) listening on http://{} for {} device(s)", id_, to_string(config.kind), address_,
                 config.devices.size());
}

AdapterServer::~AdapterServer() {
    server_->stop();
    thread_.join();
}

void AdapterServer::reconfigure(const AdapterConfig& config) {
    std::lock_guard lock(state_->mutex);
    state_->devices = config.devices;
}

AdapterStats AdapterServer::stats() const {
    AdapterStats out;
    out.id = id_;
    out.kind = to_string(state_->kind);
    out.address = address_;
    const auto now = SteadyClock::now();
    std::lock_guard lock(state_->mutex);
    for (const auto& d : state_->devices) {
        AdapterDeviceStats s;
        s.serial = d.serial;
        s.terminal = d.terminal;
        if (const auto c = state_->last_contact.find(d.serial); c != state_->last_contact.end()) {
            s.last_contact_ms_ago = std::chrono::duration_cast<std::chrono::milliseconds>(now - c->second).count();
        }
        if (const auto c = state_->counters.find(d.serial); c != state_->counters.end()) {
            s.accepted = c->second.accepted;
            s.remote_checks_decided = c->second.remote_decided;
            s.remote_checks_fallback = c->second.remote_fallback;
            s.remote_checks_undelivered = c->second.remote_undelivered;
        }
        if (const auto r = state_->refused.find(d.serial); r != state_->refused.end()) s.refused = r->second;
        if (const auto b = state_->last_backfill.find(d.serial); b != state_->last_backfill.end()) {
            s.backfill = b->second.completed ? "ok: " + std::to_string(b->second.records) + " record(s) in " +
                                                   std::to_string(b->second.pages) + " page(s)"
                                             : "stopped: " + b->second.error;
        }
        out.devices.push_back(std::move(s));
    }
    if (const auto r = state_->refused.find(""); r != state_->refused.end()) {
        for (const auto& [reason, n] : r->second) out.unknown_device_refusals += n;
    }
    return out;
}

void AdapterServer::set_remote_check_fallbacks(std::map<std::string, bool> grant_by_terminal) {
    std::lock_guard lock(state_->mutex);
    state_->fallback_grants = std::move(grant_by_terminal);
}

}  // namespace gatehouse::daemon::adapters
