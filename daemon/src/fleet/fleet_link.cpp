#include "gatehouse/daemon/fleet/fleet_link.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <mosquitto.h>
#include <spdlog/spdlog.h>

#include "gatehouse/daemon/fleet/site_key.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"
#include "gatehouse/storage/ledger.hpp"
#include "mqtt/mosquitto_library.hpp"

namespace gatehouse::daemon::fleet {
namespace {

using mqtt::describe_mosquitto_error;
using mqtt::ensure_mosquitto_initialised;

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A broker that accepted the TCP connection but sends no CONNACK within this long is given up for the next one.
constexpr auto kConnackTimeout = 3s;
// The network loop's longest wait: how soon a stop request is seen.
constexpr int kLoopTimeoutMs = 100;
constexpr auto kFirstBackoff = 200ms;
// How long the goodbye ("offline, shutdown") may take to be acknowledged at stop.
constexpr auto kGoodbyeTimeout = 1s;

struct MosquittoDeleter {
    void operator()(mosquitto* client) const { mosquitto_destroy(client); }
};

}  // namespace

class FleetLink::Impl {
public:
    Impl(const FleetConfig& config, FleetIdentity identity)
        : config_(config), identity_(std::move(identity)), topics_{config.topic_prefix, identity_.site} {
        public_key_ = read_site_public_key(config_.site_public_key_file);
        storage::LedgerOptions options{identity_.ledger_path};
        options.gateway_id = identity_.gateway_id;
        ledger_.emplace(options);
        for (const auto& v : ledger_->downlink_versions()) {
            figures_.held[v.subject] = v.version;
            if (v.subject == "policy") {
                if (auto p = parse_policy_body(v.body)) {
                    policy_ = std::make_shared<const PolicyUpdate>(std::move(*p));
                } else {
                    spdlog::error("fleet: the stored central policy version {} cannot be read; the configured policies apply", v.version);
                }
            }
        }
        ensure_mosquitto_initialised();
        const std::string client_id = identity_.gateway_id + "-fleet";
        client_.reset(mosquitto_new(client_id.c_str(), /*clean_session=*/false, this));
        if (!client_) throw std::runtime_error("fleet: cannot create MQTT client '" + client_id + "': " + describe_mosquitto_error(MOSQ_ERR_ERRNO));
        mosquitto* c = client_.get();
        check(mosquitto_int_option(c, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311), "protocol version");
        check(mosquitto_threaded_set(c, true), "threaded mode");
        if (!config_.username.empty()) {
            check(mosquitto_username_pw_set(c, config_.username.c_str(), config_.password.empty() ? nullptr : config_.password.c_str()),
                  "username/password");
        }
        if (!config_.ca_file.empty()) {
            check(mosquitto_tls_set(c, config_.ca_file.c_str(), nullptr, config_.cert_file.empty() ? nullptr : config_.cert_file.c_str(),
                                    config_.key_file.empty() ? nullptr : config_.key_file.c_str(), nullptr),
                  "TLS files (ca_file, cert_file, key_file)");
        }
        const std::string will = presence("offline", "connection lost").dump();
        const std::string status_topic = topics_.status(identity_.gateway_id);
        check(mosquitto_will_set(c, status_topic.c_str(), static_cast<int>(will.size()), will.data(), 1, true), "last will");
        mosquitto_connect_callback_set(c, &Impl::on_connect);
        mosquitto_disconnect_callback_set(c, &Impl::on_disconnect);
        mosquitto_message_callback_set(c, &Impl::on_message);
        mosquitto_publish_callback_set(c, &Impl::on_publish);
        network_ = std::thread([this] { run(); });
    }

    ~Impl() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        network_.join();
    }

    void publish_status(json status) {
        status.update(presence("online", ""));
        status["interval_ms"] = config_.status_interval.count();
        status["fleet"] = figures_json();
        std::string text = status.dump(-1, ' ', false, json::error_handler_t::replace);
        bool connected = false;
        {
            std::lock_guard lock(mutex_);
            last_status_ = text;
            connected = figures_.connected;
        }
        if (connected) publish(topics_.status(identity_.gateway_id), text, true);
    }

    GatePolicy effective_policy(const std::string& gate, const GatePolicy& base) const {
        std::shared_ptr<const PolicyUpdate> policy;
        {
            std::lock_guard lock(mutex_);
            policy = policy_;
        }
        return policy ? policy->apply(gate, base) : base;
    }

    FleetFigures figures() const {
        std::lock_guard lock(mutex_);
        return figures_;
    }

    json figures_json() const {
        const FleetFigures f = figures();
        json held = json::object();
        for (const char* s : {"allow", "deny", "policy"}) {
            const auto it = f.held.find(s);
            held[s] = it == f.held.end() ? json(nullptr) : json(it->second);
        }
        json j{{"connected", f.connected}, {"broker", f.broker}, {"connects", f.connects},
               {"held", held},             {"applied", f.applied}, {"refused", f.refused}};
        j["last_refusal"] = f.last_refusal ? json{{"reason", f.last_refusal->reason}, {"detail", f.last_refusal->detail}}
                                           : json(nullptr);
        return j;
    }

private:
    void check(int rc, const std::string& what) const {
        if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error("fleet: cannot set " + what + ": " + describe_mosquitto_error(rc));
    }

    json presence(const char* state, const char* reason) const {
        json j{{"gateway", identity_.gateway_id}, {"site", identity_.site}, {"state", state}, {"at_ms", ipc::utc_now_ms()}};
        if (*reason) j["reason"] = reason;
        return j;
    }

    bool stopping() const {
        std::lock_guard lock(mutex_);
        return stopping_;
    }

    int publish(const std::string& topic, const std::string& payload, bool retain) {
        int mid = 0;
        const int rc = mosquitto_publish(client_.get(), &mid, topic.c_str(), static_cast<int>(payload.size()), payload.data(), 1, retain);
        if (rc != MOSQ_ERR_SUCCESS) spdlog::debug("fleet: publish to {} failed: {}", topic, describe_mosquitto_error(rc));
        return rc == MOSQ_ERR_SUCCESS ? mid : -1;
    }

    /// The network thread: one broker after another until one takes us; on losing it, the next.
    void run() {
        mosquitto* c = client_.get();
        std::size_t index = 0;
        auto backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstBackoff);
        std::size_t failures_in_row = 0;
        while (!stopping()) {
            const FleetBroker& broker = config_.brokers[index];
            const std::string where = broker.host + ":" + std::to_string(broker.port);
            {
                std::lock_guard lock(mutex_);
                figures_.broker = where;
            }
            bool was_connected = false;
            std::string why;
            int rc = mosquitto_connect_async(c, broker.host.c_str(), broker.port, static_cast<int>(config_.keepalive.count()));
            if (rc != MOSQ_ERR_SUCCESS) {
                why = describe_mosquitto_error(rc);
            } else {
                const auto connack_deadline = Clock::now() + kConnackTimeout;
                while (!stopping()) {
                    rc = mosquitto_loop(c, kLoopTimeoutMs, 1);
                    bool connected = false;
                    {
                        std::lock_guard lock(mutex_);
                        connected = figures_.connected;
                        if (!refusal_.empty()) why = std::exchange(refusal_, {});
                    }
                    was_connected = was_connected || connected;
                    if (rc != MOSQ_ERR_SUCCESS) {
                        if (why.empty()) why = describe_mosquitto_error(rc);
                        break;
                    }
                    if (was_connected && !connected) break;
                    if (!was_connected && Clock::now() > connack_deadline) {
                        why = "no CONNACK within 3 s";
                        break;
                    }
                }
            }
            if (stopping()) break;
            {
                std::lock_guard lock(mutex_);
                figures_.connected = false;
            }
            spdlog::warn("fleet: broker {} {}: {}{}", where, was_connected ? "lost" : "unreachable", why.empty() ? "closed" : why,
                         config_.brokers.size() > 1 ? "; trying the next broker" : "");
            // A socket the library still holds (no CONNACK) is closed before the next broker is tried.
            if (mosquitto_socket(c) >= 0) mosquitto_disconnect(c);
            index = (index + 1) % config_.brokers.size();
            if (was_connected) {
                backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstBackoff);
                failures_in_row = 0;
                continue;  // the next node at once: the cluster is still there
            }
            if (++failures_in_row < config_.brokers.size()) continue;
            failures_in_row = 0;
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, backoff, [&] { return stopping_; });
            backoff = std::min(backoff * 2, config_.reconnect_max);
        }
        say_goodbye();
    }

    /// A clean DISCONNECT discards the will: the status says "offline" first, retained, acknowledged or given up.
    void say_goodbye() {
        mosquitto* c = client_.get();
        bool connected = false;
        {
            std::lock_guard lock(mutex_);
            connected = figures_.connected;
        }
        if (!connected) return;
        const int mid = publish(topics_.status(identity_.gateway_id), presence("offline", "shutdown").dump(), true);
        const auto deadline = Clock::now() + kGoodbyeTimeout;
        while (mid >= 0 && Clock::now() < deadline) {
            {
                std::lock_guard lock(mutex_);
                if (acked_mids_.count(mid)) break;
            }
            if (mosquitto_loop(c, kLoopTimeoutMs, 1) != MOSQ_ERR_SUCCESS) return;
        }
        mosquitto_disconnect(c);
        (void)mosquitto_loop(c, kLoopTimeoutMs, 1);
    }

    static void on_connect(mosquitto* client, void* self_ptr, int rc) {
        auto& self = *static_cast<Impl*>(self_ptr);
        if (rc != 0) {
            std::lock_guard lock(self.mutex_);
            self.refusal_ = std::string("broker refused the connection: ") + mosquitto_connack_string(rc);
            return;
        }
        // Subscribed at every connect: another node of the cluster may not have our session.
        const std::string filter = self.topics_.downlink_filter();
        const int sub = mosquitto_subscribe(client, nullptr, filter.c_str(), 1);
        if (sub != MOSQ_ERR_SUCCESS) spdlog::error("fleet: cannot subscribe to {}: {}", filter, describe_mosquitto_error(sub));
        std::string status;
        {
            std::lock_guard lock(self.mutex_);
            self.figures_.connected = true;
            ++self.figures_.connects;
            status = self.last_status_;
            spdlog::info("fleet: connected to {} as {}-fleet; following {}", self.figures_.broker, self.identity_.gateway_id, filter);
        }
        self.publish_held();
        if (!status.empty()) self.publish(self.topics_.status(self.identity_.gateway_id), status, true);
    }

    static void on_disconnect(mosquitto*, void* self_ptr, int) {
        auto& self = *static_cast<Impl*>(self_ptr);
        std::lock_guard lock(self.mutex_);
        self.figures_.connected = false;
    }

    static void on_publish(mosquitto*, void* self_ptr, int mid) {
        auto& self = *static_cast<Impl*>(self_ptr);
        std::lock_guard lock(self.mutex_);
        self.acked_mids_.insert(mid);
        if (self.acked_mids_.size() > 1024) self.acked_mids_.erase(self.acked_mids_.begin());
    }

    static void on_message(mosquitto*, void* self_ptr, const mosquitto_message* message) {
        auto& self = *static_cast<Impl*>(self_ptr);
        // The message's boundary: whatever it does wrong stops here, never the network thread.
        try {
            const std::string topic = message->topic ? message->topic : "";
            const std::string_view payload(static_cast<const char*>(message->payload),
                                           message->payload ? static_cast<std::size_t>(message->payloadlen) : 0);
            self.on_downlink(topic, payload, message->retain);
        } catch (const std::exception& e) {
            spdlog::error("fleet: downlink message failed: {}", e.what());
            self.count_refusal(DownlinkSubject::allow, {"internal", e.what(), std::nullopt}, false);
        } catch (...) {
            spdlog::error("fleet: downlink message failed");
        }
    }

    void on_downlink(const std::string& topic, std::string_view payload, bool retained) {
        std::optional<DownlinkSubject> subject;
        for (DownlinkSubject s : {DownlinkSubject::allow, DownlinkSubject::deny, DownlinkSubject::policy}) {
            if (topic == topics_.downlink(s)) subject = s;
        }
        if (!subject) {
            count_refusal(DownlinkSubject::allow, {"wrong_subject", "no such downlink topic: " + topic, std::nullopt}, true);
            return;
        }
        DownlinkDecoded decoded = decode_downlink(payload, *subject, identity_.site, public_key_);
        if (auto* refusal = std::get_if<DownlinkRefusal>(&decoded)) {
            count_refusal(*subject, *refusal, true);
            return;
        }
        DownlinkUpdate& update = std::get<DownlinkUpdate>(decoded);
        const char* name = to_string(*subject);
        std::optional<std::int64_t> held;
        {
            std::lock_guard lock(mutex_);
            if (auto it = figures_.held.find(name); it != figures_.held.end()) held = it->second;
        }
        // The broker hands the retained update again at every subscription: the one we hold is no news.
        if (retained && held && *held == update.version) return;
        storage::DownlinkApply outcome = storage::DownlinkApply::stale;
        try {
            const std::int64_t now = ipc::utc_now_ms();
            outcome = update.list ? ledger_->apply_person_list_update(*update.list, now)
                                  : ledger_->apply_policy_update(update.version, update.body, now);
        } catch (const std::exception& e) {
            count_refusal(*subject, {"storage", e.what(), update.version}, true);
            return;
        }
        if (outcome == storage::DownlinkApply::stale) {
            count_refusal(*subject, {"stale", fmt::format("version {} is not above version {} held (an older or replayed update)",
                                                          update.version, held.value_or(0)), update.version}, true);
            return;
        }
        if (outcome == storage::DownlinkApply::gap) {
            count_refusal(*subject, {"gap", fmt::format("a delta on version {}, but version {} is held: a full update is needed",
                                                        update.list->base, held.value_or(0)), update.version}, true);
            return;
        }
        {
            std::lock_guard lock(mutex_);
            figures_.held[name] = update.version;
            ++figures_.applied;
            if (update.policy) policy_ = std::make_shared<const PolicyUpdate>(std::move(*update.policy));
        }
        const std::size_t entries = update.list ? update.list->upserts.size() : 0;
        const std::size_t removed = update.list ? update.list->removals.size() : 0;
        spdlog::info("fleet: applied central {} version {} ({}{})", name, update.version,
                     update.policy ? "policy" : (update.full ? fmt::format("full, {} entries", entries)
                                                              : fmt::format("delta, {} set, {} removed", entries, removed)),
                     "");
        publish_held();
        json report{{"gateway", identity_.gateway_id}, {"site", identity_.site}, {"subject", name},
                    {"outcome", "applied"},          {"version", update.version}, {"at_ms", ipc::utc_now_ms()}};
        publish(topics_.reports(identity_.gateway_id), report.dump(), false);
    }

    void count_refusal(DownlinkSubject subject, const DownlinkRefusal& refusal, bool report) {
        json held;
        {
            std::lock_guard lock(mutex_);
            ++figures_.refused[refusal.reason];
            figures_.last_refusal = refusal;
            const auto it = figures_.held.find(to_string(subject));
            held = it == figures_.held.end() ? json(nullptr) : json(it->second);
        }
        spdlog::warn("fleet: refused a {} update{}: {}: {}", to_string(subject),
                     refusal.version ? " (version " + std::to_string(*refusal.version) + ")" : std::string(), refusal.reason,
                     refusal.detail);
        if (!report) return;
        json j{{"gateway", identity_.gateway_id}, {"site", identity_.site}, {"subject", to_string(subject)},
               {"outcome", "refused"},            {"reason", refusal.reason}, {"detail", refusal.detail},
               {"held", held},                    {"at_ms", ipc::utc_now_ms()}};
        j["version"] = refusal.version ? json(*refusal.version) : json(nullptr);
        publish(topics_.reports(identity_.gateway_id), j.dump(-1, ' ', false, json::error_handler_t::replace), false);
    }

    void publish_held() {
        json j{{"gateway", identity_.gateway_id}, {"site", identity_.site}, {"at_ms", ipc::utc_now_ms()}};
        {
            std::lock_guard lock(mutex_);
            for (const char* s : {"allow", "deny", "policy"}) {
                const auto it = figures_.held.find(s);
                j[s] = it == figures_.held.end() ? json(nullptr) : json(it->second);
            }
        }
        publish(topics_.held(identity_.gateway_id), j.dump(), true);
    }

    const FleetConfig config_;
    const FleetIdentity identity_;
    const FleetTopics topics_;
    std::string public_key_;
    std::optional<storage::Ledger> ledger_;  ///< Own writable connection; used by the network thread only.
    std::unique_ptr<mosquitto, MosquittoDeleter> client_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    FleetFigures figures_;
    std::string refusal_;
    std::string last_status_;
    std::shared_ptr<const PolicyUpdate> policy_;
    std::set<int> acked_mids_;
    std::thread network_;  ///< Last: started when everything it uses exists.
};

FleetLink::FleetLink(const FleetConfig& config, FleetIdentity identity)
    : impl_(std::make_unique<Impl>(config, std::move(identity))) {}
FleetLink::~FleetLink() = default;
void FleetLink::publish_status(nlohmann::json status) { impl_->publish_status(std::move(status)); }
GatePolicy FleetLink::effective_policy(const std::string& gate, const GatePolicy& base) const {
    return impl_->effective_policy(gate, base);
}
FleetFigures FleetLink::figures() const { return impl_->figures(); }
nlohmann::json FleetLink::figures_json() const { return impl_->figures_json(); }

}  // namespace gatehouse::daemon::fleet
