#pragma once
// The configuration `gatehouse demo` runs with: two gates, six terminals, everything on loopback.
namespace gatehouse::daemon::cli {

/// Embedded demo configuration; "@DIR@" is replaced by the demo's working directory.
inline constexpr const char* kDemoConfig = R"toml(# gatehouse demo configuration (written by `gatehouse demo`)
[gateway]
id = "demo-gateway"
site = "demo-campus"

[listen]
terminals = "tcp://127.0.0.1:*"
consoles = "tcp://127.0.0.1:*"
control = "ipc://@DIR@/control.sock"

[limits]
heartbeat_interval_ms = 1000
heartbeat_timeout_ms = 3000

[ledger]
path = "@DIR@/ledger.db"

[metrics]
listen = "127.0.0.1:0"

[[gates]]
id = "north-1"
name = "North gate, lane 1"
direction = "in"

[[gates]]
id = "south-1"
name = "South gate, lane 1"
direction = "out"

[[terminals]]
id = "north-1-card"
gate = "north-1"
kind = "card_reader"

[[terminals]]
id = "north-1-face"
gate = "north-1"
kind = "face_reader"

[[terminals]]
id = "north-1-qr"
gate = "north-1"
kind = "health_code_scanner"

[[terminals]]
id = "north-1-door"
gate = "north-1"
kind = "door_contact"

[[terminals]]
id = "south-1-card"
gate = "south-1"
kind = "card_reader"

[[terminals]]
id = "south-1-qr"
gate = "south-1"
kind = "health_code_scanner"
)toml";

}  // namespace gatehouse::daemon::cli
