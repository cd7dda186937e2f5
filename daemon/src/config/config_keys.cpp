#include "gatehouse/daemon/config_keys.hpp"

#include "gatehouse/daemon/adapters/adapter_reload.hpp"

namespace gatehouse::daemon {
namespace {

template <auto Member>
ConfigKey key(std::string_view name, std::string_view subsystem, KeyApply apply) {
    return {name, subsystem, apply,
            [](const GatewayConfig& a, const GatewayConfig& b) { return !(a.*Member == b.*Member); },
            [](const GatewayConfig& running, GatewayConfig& next) { next.*Member = running.*Member; }};
}

template <auto Section, auto Member>
ConfigKey key(std::string_view name, std::string_view subsystem, KeyApply apply) {
    return {name, subsystem, apply,
            [](const GatewayConfig& a, const GatewayConfig& b) { return !((a.*Section).*Member == (b.*Section).*Member); },
            [](const GatewayConfig& running, GatewayConfig& next) { (next.*Section).*Member = (running.*Section).*Member; }};
}

using C = GatewayConfig;
using forwarding::ForwardingConfig;
using web::WebConfig;
using fleet::FleetConfig;
constexpr auto live = KeyApply::live;
constexpr auto restart = KeyApply::restart;

std::vector<ConfigKey> make_keys() {
    return {
        // The gateway's identity names every upstream key and topic and the outbox's idempotency keys.
        key<&C::gateway_id>("gateway.id", "forwarding", restart),
        key<&C::site>("gateway.site", "forwarding", restart),
        key<&C::timezone>("gateway.timezone", "reports", live),
        key<&C::terminal_endpoint>("listen.terminals", "sockets", restart),
        key<&C::control_endpoint>("listen.control", "sockets", restart),
        key<&C::console_endpoint>("listen.consoles", "consoles", restart),
        key<&C::security, &SecurityConfig::secret_key_file>("security.secret_key_file", "sockets", restart),
        key<&C::security, &SecurityConfig::insecure_plaintext>("security.insecure_plaintext", "sockets", restart),
        key<&C::max_message_bytes>("limits.max_message_bytes", "sockets", restart),
        key<&C::heartbeat_interval>("limits.heartbeat_interval_ms", "terminals", live),
        key<&C::heartbeat_timeout>("limits.heartbeat_timeout_ms", "terminals", live),
        key<&C::seq_window>("limits.seq_window", "terminals", live),
        key<&C::console_queue>("limits.console_queue", "consoles", live),
        key<&C::terminal_rate>("limits.terminal_rate", "terminals", live),
        key<&C::terminal_burst>("limits.terminal_burst", "terminals", live),
        key<&C::max_future_skew>("limits.max_future_skew_s", "terminals", live),
        key<&C::ledger_path>("ledger.path", "ledger", restart),
        key<&C::commit_window>("ledger.commit_window_us", "ledger", live),
        key<&C::max_batch>("ledger.max_batch", "ledger", live),
        key<&C::ledger_max_size_mb>("ledger.max_size_mb", "ledger", restart),
        key<&C::log_level>("log.level", "logging", live),
        key<&C::metrics_listen>("metrics.listen", "metrics", live),
        key<&C::alert_on_denied>("alerts.denied", "cameras", live),
        key<&C::alert_on_tailgating>("alerts.tailgating", "cameras", live),
        key<&C::retention, &RetentionConfig::events_days>("retention.events_days", "retention", live),
        key<&C::retention, &RetentionConfig::screenings_days>("retention.screenings_days", "retention", live),
        key<&C::retention, &RetentionConfig::decisions_days>("retention.decisions_days", "retention", live),
        key<&C::retention, &RetentionConfig::alerts_days>("retention.alerts_days", "retention", live),
        key<&C::retention, &RetentionConfig::snapshots_days>("retention.snapshots_days", "retention", live),
        key<&C::retention, &RetentionConfig::batch_size>("retention.batch_size", "retention", live),
        key<&C::retention, &RetentionConfig::batch_pause>("retention.batch_pause_ms", "retention", live),
        key<&C::retention, &RetentionConfig::interval>("retention.interval_s", "retention", live),
        key<&C::reports, &ReportsConfig::daily_upstream_minutes>("reports.daily_upstream_at", "reports", live),
        key<&C::privacy, &PrivacyConfig::pseudonymise_upstream>("privacy.pseudonymise_upstream", "forwarding", live),
        key<&C::privacy, &PrivacyConfig::site_secret_file>("privacy.site_secret_file", "forwarding", live),
        // Gates carry the policies decisions read, and each camera's threshold and fusion window.
        key<&C::gates>("gates", "cameras", live),
        key<&C::cameras>("cameras", "cameras", live),
        key<&C::terminals>("terminals", "terminals", live),
        key<&C::console_clients>("consoles", "consoles", live),
        key<&C::admins>("admins", "sockets", live),
        key<&C::forwarding, &ForwardingConfig::enabled>("forwarding.enabled", "forwarding", live),
        key<&C::forwarding, &ForwardingConfig::retry_initial>("forwarding.retry_initial_ms", "forwarding", live),
        key<&C::forwarding, &ForwardingConfig::retry_max>("forwarding.retry_max_ms", "forwarding", live),
        key<&C::forwarding, &ForwardingConfig::max_drain_rate>("forwarding.max_drain_rate", "forwarding", live),
        key<&C::forwarding, &ForwardingConfig::upstream_down_after>("forwarding.upstream_down_after_s", "forwarding", live),
        {"forwarding.buffer_high_percent", "forwarding", live,
         [](const C& a, const C& b) { return a.forwarding.limits.buffer_high_percent != b.forwarding.limits.buffer_high_percent; },
         [](const C& running, C& next) { next.forwarding.limits.buffer_high_percent = running.forwarding.limits.buffer_high_percent; }},
        {"forwarding.lanes", "forwarding", live,
         [](const C& a, const C& b) { return a.forwarding.limits.lanes != b.forwarding.limits.lanes; },
         [](const C& running, C& next) { next.forwarding.limits.lanes = running.forwarding.limits.lanes; }},
        key<&C::forwarding, &ForwardingConfig::sinks>("forwarding.sinks", "forwarding", live),
        // The web console's sessions and live streams last as long as the daemon runs; its users file is followed
        // live (an account removed or a password changed ends its sessions at once).
        key<&C::web, &WebConfig::listen>("web.listen", "web", restart),
        key<&C::web, &WebConfig::tls_certificate_file>("web.tls_certificate_file", "web", restart),
        key<&C::web, &WebConfig::tls_key_file>("web.tls_key_file", "web", restart),
        key<&C::web, &WebConfig::insecure_plaintext>("web.insecure_plaintext", "web", restart),
        key<&C::web, &WebConfig::users_file>("web.users_file", "web", restart),
        key<&C::web, &WebConfig::session_idle_timeout>("web.session_idle_timeout_s", "web", restart),
        key<&C::web, &WebConfig::session_lifetime>("web.session_lifetime_s", "web", restart),
        key<&C::web, &WebConfig::max_live_clients>("web.max_live_clients", "web", restart),
        key<&C::web, &WebConfig::max_body_bytes>("web.max_body_bytes", "web", restart),
        key<&C::web, &WebConfig::login_failures_per_account>("web.login_failures_per_account", "web", restart),
        key<&C::web, &WebConfig::login_failures_per_address>("web.login_failures_per_address", "web", restart),
        key<&C::web, &WebConfig::login_window>("web.login_window_s", "web", restart),
        // The fleet link reconnects with the new settings at a reload (docs/fleet-downlink.md).
        key<&C::fleet, &FleetConfig::enabled>("fleet.enabled", "fleet", live),
        key<&C::fleet, &FleetConfig::brokers>("fleet.brokers", "fleet", live),
        key<&C::fleet, &FleetConfig::username>("fleet.username", "fleet", live),
        key<&C::fleet, &FleetConfig::password>("fleet.password_file", "fleet", live),
        key<&C::fleet, &FleetConfig::ca_file>("fleet.ca_file", "fleet", live),
        key<&C::fleet, &FleetConfig::cert_file>("fleet.cert_file", "fleet", live),
        key<&C::fleet, &FleetConfig::key_file>("fleet.key_file", "fleet", live),
        key<&C::fleet, &FleetConfig::site_public_key_file>("fleet.site_public_key_file", "fleet", live),
        key<&C::fleet, &FleetConfig::topic_prefix>("fleet.topic_prefix", "fleet", live),
        key<&C::fleet, &FleetConfig::status_interval>("fleet.status_interval_ms", "fleet", live),
        key<&C::fleet, &FleetConfig::keepalive>("fleet.keepalive_s", "fleet", live),
        key<&C::fleet, &FleetConfig::reconnect_max>("fleet.reconnect_max_ms", "fleet", live),
        // An adapter's listener (id, kind, address, size limits) is set up at start; its devices apply at a reload.
        {"adapters.listen", "adapters", restart, adapters::listeners_differ, adapters::keep_listeners},
        {"adapters", "adapters", live,
         adapters::devices_differ, adapters::keep_devices},
    };
}

}  // namespace

const std::vector<ConfigKey>& config_keys() {
    static const std::vector<ConfigKey> keys = make_keys();
    return keys;
}

std::vector<const ConfigKey*> changed_keys(const GatewayConfig& running, const GatewayConfig& next) {
    std::vector<const ConfigKey*> changed;
    for (const auto& k : config_keys()) {
        if (k.differs(running, next)) changed.push_back(&k);
    }
    return changed;
}

}  // namespace gatehouse::daemon
