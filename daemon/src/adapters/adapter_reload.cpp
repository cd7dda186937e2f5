#include "gatehouse/daemon/adapters/adapter_reload.hpp"

namespace gatehouse::daemon::adapters {
namespace {

const AdapterConfig* find(const std::vector<AdapterConfig>& list, const std::string& id) {
    for (const auto& a : list) {
        if (a.id == id) return &a;
    }
    return nullptr;
}

bool same_listener(const AdapterConfig& a, const AdapterConfig& b) {
    return a.id == b.id && a.kind == b.kind && a.listen == b.listen && a.max_body_bytes == b.max_body_bytes &&
           a.max_part_bytes == b.max_part_bytes && a.remote_check_budget == b.remote_check_budget;
}

void copy_devices(const AdapterConfig& from, AdapterConfig& to) {
    to.devices = from.devices;
}

}  // namespace

bool listeners_differ(const GatewayConfig& running, const GatewayConfig& next) {
    if (running.adapters.size() != next.adapters.size()) return true;
    for (std::size_t i = 0; i < running.adapters.size(); ++i) {
        if (!same_listener(running.adapters[i], next.adapters[i])) return true;
    }
    return false;
}

void keep_listeners(const GatewayConfig& running, GatewayConfig& next) {
    std::vector<AdapterConfig> kept = running.adapters;
    for (auto& a : kept) {
        if (const AdapterConfig* n = find(next.adapters, a.id); n && n->kind == a.kind) copy_devices(*n, a);
    }
    next.adapters = std::move(kept);
}

bool devices_differ(const GatewayConfig& running, const GatewayConfig& next) {
    for (const auto& a : running.adapters) {
        const AdapterConfig* n = find(next.adapters, a.id);
        if (n && n->devices != a.devices) return true;
    }
    return false;
}

void keep_devices(const GatewayConfig& running, GatewayConfig& next) {
    for (auto& n : next.adapters) {
        if (const AdapterConfig* a = find(running.adapters, n.id)) copy_devices(*a, n);
    }
}

}  // namespace gatehouse::daemon::adapters
