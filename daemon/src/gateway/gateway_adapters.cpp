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
