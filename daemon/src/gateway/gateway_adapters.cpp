// Gateway: vendor terminals' messages (decoded by the adapters, adapters/) through the same admission, batch and
// commit path as native terminals' frames; replies go back through the inbox (to_terminal).
#include "gateway/gateway_impl.hpp"

#include "gatehouse/daemon/private_files.hpp"
#include "gatehouse/daemon/retention_purger.hpp"
#include "gatehouse/ipc/terminal_codec.hpp"

namespace gatehouse::daemon {

void Gateway::Impl::drain_adapter_inbox() {
    batch.set_publish_events(consoles && consoles->has_subscriber("event."));
    for (auto& submission : adapter_inbox.take()) {
        for (auto& message : submission.messages) {
            ++counters.frames;
            boundary.run("adapters", [&] {
                AdmissionVerdict verdict =
                    admission->admit_decoded(submission.peer, std::move(message), SteadyClock::now(), ipc::utc_now_ms());
                if (auto* refused = std::get_if<Refused>(&verdict)) {
                    reply_error(submission.peer, refused->error, refused->terminal);
                    return;
                }
                on_admitted(submission.peer, std::get<Admitted>(verdict));
            }, [&](const std::string& reason) {
                to_terminal(submission.peer, ipc::encode(ipc::ProtocolError{
                                                 ipc::ErrorCode::internal, "",
                                                 "the gateway failed to handle this message (" + reason + ")",
                                                 std::nullopt, std::nullopt}));
            });
        }
    }
}

namespace {

// Per terminal: whether its gate's policy opens when a check cannot be made (the remote-check fallback).
std::map<std::string, bool> remote_check_fallbacks(const GatewayConfig& c) {
    std::map<std::string, bool> out;
    for (const auto& t : c.terminals) {
        const GateConfig* gate = c.find_gate(t.gate);
        out[t.id] = gate && gate->policy.allow_when_unavailable;
    }
    return out;
}

}  // namespace

void Gateway::Impl::start_adapters(const GatewayConfig& c) {
    for (const auto& a : c.adapters) {
        adapters::AdapterEnvironment env;
        env.inbox = &adapter_inbox;
        env.zone = c.time_zone();
        // Pictures the devices send with events: evidence like the cameras' snapshots, purged with them.
        env.snapshot_dir = snapshot_directories(c).front() / ("adapter-" + a.id);
        create_private_directory(env.snapshot_dir);
        env.heartbeat_interval = c.heartbeat_interval;
        env.heartbeat_timeout = c.heartbeat_timeout;
        env.ledger_path = c.ledger_path;
        adapter_servers.push_back(std::make_unique<adapters::AdapterServer>(a, std::move(env)));
        adapter_servers.back()->set_remote_check_fallbacks(remote_check_fallbacks(c));
    }
}

void Gateway::Impl::reconfigure_adapters(const GatewayConfig& next) {
    for (auto& server : adapter_servers) {
        for (const auto& a : next.adapters) {
            if (a.id == server->id()) server->reconfigure(a);
        }
        server->set_remote_check_fallbacks(remote_check_fallbacks(next));
    }
}

}  // namespace gatehouse::daemon

namespace gatehouse::daemon {

nlohmann::json Gateway::Impl::adapters_status() const {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& server : adapter_servers) {
        const adapters::AdapterStats a = server->stats();
        nlohmann::json devices = nlohmann::json::array();
        for (const auto& d : a.devices) {
            devices.push_back({{"serial", d.serial},
                               {"terminal", d.terminal},
                               {"last_contact_ms_ago", d.last_contact_ms_ago ? nlohmann::json(*d.last_contact_ms_ago) : nlohmann::json(nullptr)},
                               {"accepted", d.accepted},
                               {"refused", d.refused},
                               {"remote_checks", {{"decided", d.remote_checks_decided},
                                                  {"fallback", d.remote_checks_fallback},
                                                  {"undelivered", d.remote_checks_undelivered}}},
                               {"backfill", d.backfill.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.backfill)}});
        }
        out.push_back({{"id", a.id}, {"kind", a.kind}, {"address", a.address}, {"devices", std::move(devices)},
                       {"unknown_device_refusals", a.unknown_device_refusals}});
    }
    return out;
}

void Gateway::Impl::adapters_metrics(PrometheusText& m) const {
    for (const auto& server : adapter_servers) {
        const adapters::AdapterStats a = server->stats();
        m.counter("gatehouse_adapter_unknown_device_refusals_total", "Requests refused for a serial no adapter lists",
                  static_cast<double>(a.unknown_device_refusals), {{"adapter", a.id}});
        for (const auto& d : a.devices) {
            const PrometheusText::Labels device = {{"adapter", a.id}, {"device", d.serial}, {"terminal", d.terminal}};
            m.counter("gatehouse_adapter_requests_accepted_total", "Vendor device requests answered 200",
                      static_cast<double>(d.accepted), device);
            for (const auto& [reason, n] : d.refused) {
                auto labels = device;
                labels["reason"] = reason;
                m.counter("gatehouse_adapter_requests_refused_total", "Vendor device requests refused, by reason",
                          static_cast<double>(n), labels);
            }
            for (const auto& [by, n] : {std::pair{"decision", d.remote_checks_decided}, std::pair{"fallback", d.remote_checks_fallback}}) {
                auto labels = device;
                labels["answered_by"] = by;
                m.counter("gatehouse_adapter_remote_checks_total", "Hikvision remote checks answered, by decision or fallback",
                          static_cast<double>(n), labels);
            }
            if (d.last_contact_ms_ago) {
                m.gauge("gatehouse_adapter_last_contact_seconds", "Seconds since the vendor device's last request",
                        static_cast<double>(*d.last_contact_ms_ago) / 1000.0, device);
            }
        }
    }
}

}  // namespace gatehouse::daemon
