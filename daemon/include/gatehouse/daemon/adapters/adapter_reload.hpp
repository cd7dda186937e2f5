#pragma once
// How a reload compares and keeps `[[adapters]]`: the listeners (id, kind, address, size limits) are set up at
// start-up and change at a restart; each adapter's devices change live.
#include "gatehouse/daemon/gateway_config.hpp"

namespace gatehouse::daemon::adapters {

/// Whether the listeners (id, kind, listen and size limits of each adapter, in order) differ.
bool listeners_differ(const GatewayConfig& running, const GatewayConfig& next);
/// Puts the running listeners into `next`: each running adapter takes its devices from `next`'s adapter
/// of the same id (its running ones when `next` has none); adapters only in `next` wait for the restart.
void keep_listeners(const GatewayConfig& running, GatewayConfig& next);
/// Whether the devices of an adapter present in both differ.
bool devices_differ(const GatewayConfig& running, const GatewayConfig& next);
/// Puts the running devices into `next`'s adapters of the same id.
void keep_devices(const GatewayConfig& running, GatewayConfig& next);

}  // namespace gatehouse::daemon::adapters
