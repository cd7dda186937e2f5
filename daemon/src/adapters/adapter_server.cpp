// An adapter's HTTP listener: settings, the device check every route starts with, the wait for the gateway.
#include "adapters/adapter_state.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "gatehouse/daemon/web/web_config.hpp"

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
    spdlog::warn("adapter {}: refused a request for device '{}' from {}: not listed in [[adapters.devices]] (or not from "
                 "one of its allowed_addresses)",
                 id, serial.substr(0, 64), req.remote_addr);
    res.status = 403;
    res.set_content("device not allowed\n", "text/plain");
    return std::nullopt;
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
        add_hikvision_routes(*server_, *state_);
    } else {
        add_zkteco_routes(*server_, *state_);
    }
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

void AdapterServer::set_remote_check_fallbacks(std::map<std::string, bool> grant_by_terminal) {
    std::lock_guard lock(state_->mutex);
    state_->fallback_grants = std::move(grant_by_terminal);
}

}  // namespace gatehouse::daemon::adapters
