#pragma once
// Configuration pieces of the fault tests, in one place: every gatehoused these tests start gets its TOML from
// here and from GatewayFixture (tests/support/), so a change of the configuration format is made once.
#include <filesystem>
#include <string>

#include "upstream_records.hpp"

namespace gatehouse::test::faults {

/// A gate policy that decides at once from what is at hand: no health code needed, a temperature used when the
/// camera has one but not waited for.
inline std::string immediate_policy() {
    return "[gates.policy]\nrequire_health_code = false\nrequire_temperature = false\n";
}

/// A gate policy that requires a camera reading; without one the gate follows `on_unavailable`.
inline std::string screening_policy(const std::string& on_unavailable = "deny", int fusion_window_ms = 2000) {
    return "[gates.policy]\nrequire_health_code = false\nrequire_temperature = true\non_check_unavailable = \"" +
           on_unavailable + "\"\nfusion_window_ms = " + std::to_string(fusion_window_ms) + "\n";
}

/// The path of one of the test scenes (tests/data/scenes).
inline std::string scene_file(const std::string& name) {
    return std::string(GATEHOUSE_TEST_DATA) + "/scenes/" + name + ".json";
}

/// A synthetic thermal camera on `gate` replaying `scene` in real time, from the start again when it ends.
inline std::string synthetic_camera(const std::string& id, const std::string& gate, const std::string& scene) {
    return "[[cameras]]\nid = \"" + id + "\"\ngate = \"" + gate + "\"\nsource = \"synthetic:" + scene_file(scene) +
           "\"\nreference = \"auto@35\"\nloop = true\n";
}

/// A camera reading 16-bit PNG frames from `dir` at `fps`, re-listing the directory each pass, with short
/// stall and backoff times so that faults and recoveries show within a test's patience.
inline std::string directory_camera(const std::string& id, const std::string& gate, const std::filesystem::path& dir,
                                    double fps = 10) {
    return "[[cameras]]\nid = \"" + id + "\"\ngate = \"" + gate + "\"\nsource = \"dir:" + dir.string() +
           "\"\nfps = " + std::to_string(fps) + "\nloop = true\nstall_timeout_ms = 1500\nmax_backoff_ms = 2000\n";
}

/// A webhook sink (all lanes) at `url`.
inline std::string webhook_sink(const std::string& url) {
    return "[[forwarding.sinks]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"" + url + "\"\n";
}

}  // namespace gatehouse::test::faults
