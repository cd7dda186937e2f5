// libFuzzer target: the configuration loader (daemon/src/config/gateway_config.cpp parse_config) on arbitrary
// text. A bad file must give a ConfigError (any other exception escapes and counts as a crash), and a file
// that is accepted must hold only values inside the ranges the loader documents.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_invariant.hpp"
#include "gatehouse/daemon/gateway_config.hpp"

namespace {

using gatehouse::fuzz::require;
namespace daemon = gatehouse::daemon;

bool within(double v, double lo, double hi) { return v >= lo && v <= hi; }  // false for NaN

void check(const daemon::GatewayConfig& c) {
    for (const auto& g : c.gates) {
        require(!g.id.empty(), "gates.id is set");
        require(within(g.policy.fever_threshold, 34.0, 39.0), "gates.policy.fever_threshold in 34..39 °C");
        require(g.policy.fusion_window.count() >= 100 && g.policy.fusion_window.count() <= 60'000,
                "gates.policy.fusion_window_ms in range");
    }
    for (const auto& cam : c.cameras) {
        require(c.find_gate(cam.gate) != nullptr, "cameras.gate names a defined gate");
        require(!cam.fps || (*cam.fps > 0 && *cam.fps <= 1000), "cameras.fps in (0, 1000]");
        require(std::isfinite(cam.gain) && std::isfinite(cam.offset), "cameras.gain and offset are finite");
        require(cam.rotate % 90 == 0 && cam.rotate >= 0 && cam.rotate <= 270, "cameras.rotate is 0/90/180/270");
        require(!cam.threshold || within(*cam.threshold, 34.0, 39.0), "cameras.threshold in 34..39 °C");
        require(within(cam.body_offset, -3.0, 3.0), "cameras.body_offset in -3..3 °C");
    }
    for (const auto& t : c.terminals) require(c.find_gate(t.gate) != nullptr, "terminals.gate names a defined gate");
    require(c.heartbeat_timeout > c.heartbeat_interval, "heartbeat_timeout_ms > heartbeat_interval_ms");
    require(c.max_message_bytes >= 256, "limits.max_message_bytes >= 256");
    require(within(c.forwarding.max_drain_rate, 0.0, 1e7), "forwarding.max_drain_rate in 0..1e7");
    require(c.forwarding.retry_max >= c.forwarding.retry_initial, "forwarding.retry_max_ms >= retry_initial_ms");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        check(daemon::parse_config(text, "fuzz.toml"));
    } catch (const daemon::ConfigError& e) {
        require(std::string_view(e.what()).rfind("fuzz.toml:", 0) == 0, "a ConfigError names FILE:LINE:COLUMN");
    }
    return 0;
}
