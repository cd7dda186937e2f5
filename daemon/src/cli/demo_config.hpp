#pragma once
// What `gatehouse demo` runs with: two gates (the entrance with a synthetic thermal camera), six terminals,
// person lists and the people who walk through, everything on loopback.
#include "gatehouse/ipc/terminal_messages.hpp"

namespace gatehouse::daemon::cli {

/// Embedded demo configuration; "@DIR@" is replaced by the demo's working directory and "@PUB:NAME@" by the public
/// key of DIR/keys/NAME.pub (generated on the first run).
inline constexpr const char* kDemoConfig = R"toml(# gatehouse demo configuration (written by `gatehouse demo`)
[gateway]
id = "demo-gateway"
site = "demo-campus"

[listen]
terminals = "tcp://127.0.0.1:*"
consoles = "tcp://127.0.0.1:*"
control = "ipc://@DIR@/control.sock"

[security]                      # CURVE on every TCP socket, with the keys in @DIR@/keys
secret_key_file = "@DIR@/keys/server.key"

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

[gates.policy]
require_temperature = true
require_health_code = true
require_list = true
fusion_window_ms = 2500

[[cameras]]
id = "north-1-cam"
gate = "north-1"
source = "synthetic:@DIR@/people.json"
reference = "auto@35"
loop = true

[[gates]]
id = "south-1"
name = "South gate, lane 1"
direction = "out"

[gates.policy]                  # leaving: no temperature or health code needed
require_temperature = false
require_health_code = false

[[terminals]]
id = "north-1-card"
gate = "north-1"
kind = "card_reader"
public_key = "@PUB:north-1-card@"

[[terminals]]
id = "north-1-face"
gate = "north-1"
kind = "face_reader"
public_key = "@PUB:north-1-face@"

[[terminals]]
id = "north-1-qr"
gate = "north-1"
kind = "health_code_scanner"
public_key = "@PUB:north-1-qr@"

[[terminals]]
id = "north-1-door"
gate = "north-1"
kind = "door_contact"
public_key = "@PUB:north-1-door@"

[[terminals]]
id = "south-1-card"
gate = "south-1"
kind = "card_reader"
public_key = "@PUB:south-1-card@"

[[terminals]]
id = "south-1-qr"
gate = "south-1"
kind = "health_code_scanner"
public_key = "@PUB:south-1-qr@"

[[consoles]]                    # the guard's console the demo prints
id = "guard-console"
public_key = "@PUB:guard-console@"
topics = ["alert.", "alert_state.", "decision.", "screening."]
)toml";

/// Whose keys the demo generates in DIR/keys (besides the gateway's own "server").
inline constexpr const char* kDemoKeyNames[] = {"north-1-card", "north-1-face", "north-1-qr",  "north-1-door",
                                                "south-1-card", "south-1-qr",   "guard-console"};

/// The people the entrance camera sees: one every 2 s, most healthy, one febrile, one with glasses (no reading).
inline constexpr const char* kDemoScene = R"json({"name":"demo_queue","description":"people entering one every 2 s",
 "camera":{"fps":30,"duration_s":20,"seed":11},
 "people":[
  {"canthus_c":36.6,"path":[[0.0,0.5,1.6],[0.3,0.5,1.0],[1.3,0.5,1.0],[1.7,1.4,1.0]]},
  {"canthus_c":36.8,"path":[[2.0,0.5,1.6],[2.3,0.5,1.0],[3.3,0.5,1.0],[3.7,1.4,1.0]]},
  {"canthus_c":36.5,"path":[[4.0,0.5,1.6],[4.3,0.5,1.0],[5.3,0.5,1.0],[5.7,1.4,1.0]]},
  {"canthus_c":38.3,"path":[[6.0,0.5,1.6],[6.3,0.5,1.0],[7.3,0.5,1.0],[7.7,1.4,1.0]]},
  {"canthus_c":36.7,"path":[[8.0,0.5,1.6],[8.3,0.5,1.0],[9.3,0.5,1.0],[9.7,1.4,1.0]]},
  {"canthus_c":36.9,"glasses":true,"path":[[10.0,0.5,1.6],[10.3,0.5,1.0],[11.3,0.5,1.0],[11.7,1.4,1.0]]},
  {"canthus_c":36.4,"path":[[12.0,0.5,1.6],[12.3,0.5,1.0],[13.3,0.5,1.0],[13.7,1.4,1.0]]},
  {"canthus_c":36.6,"path":[[14.0,0.5,1.6],[14.3,0.5,1.0],[15.3,0.5,1.0],[15.7,1.4,1.0]]},
  {"canthus_c":36.7,"path":[[16.0,0.5,1.6],[16.3,0.5,1.0],[17.3,0.5,1.0],[17.7,1.4,1.0]]},
  {"canthus_c":36.8,"path":[[18.0,0.5,1.6],[18.3,0.5,1.0],[19.3,0.5,1.0],[19.7,1.4,1.0]]}]})json";

/// The person lists the demo imports: staff on the allow list (one approval expired), a visitor on the deny list.
inline constexpr const char* kDemoLists = R"csv(list,person,name,valid_from,valid_until,note
allow,E1001,Wang Fang,,,
allow,E1002,Li Na,,,
allow,E1003,Zhang Wei,,,
allow,E1004,Liu Yang,,,
allow,E1005,Chen Jing,,,
allow,E1006,Yang Min,,,
allow,E1008,Zhao Lei,,,
allow,E1009,Wu Hao,2020-01-01,2020-12-31,contractor: approval ended
deny,V9001,,,,banned after incident 2026-10-03
)csv";

/// Who presents what at the entrance, in the order people step up (cycled). An empty person presents nothing:
/// they slip through behind the one before (tailgating).
struct DemoVisitor {
    const char* person;
    ipc::HealthCodeColor health_code;
};
inline constexpr DemoVisitor kDemoVisitors[] = {
    {"E1001", ipc::HealthCodeColor::green}, {"E1002", ipc::HealthCodeColor::green},
    {"E1003", ipc::HealthCodeColor::yellow}, {"E1004", ipc::HealthCodeColor::green},
    {"E1005", ipc::HealthCodeColor::green}, {"E1006", ipc::HealthCodeColor::green},
    {"V9001", ipc::HealthCodeColor::green}, {"", ipc::HealthCodeColor::green},
    {"E1009", ipc::HealthCodeColor::green}, {"E1008", ipc::HealthCodeColor::green},
};

}  // namespace gatehouse::daemon::cli
