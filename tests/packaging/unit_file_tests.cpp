// The systemd unit and the sysusers.d entry, checked offline with systemd's own tools (no systemd as PID 1 needed).
#include <catch2/catch.hpp>

#include <regex>

#include "child_process.hpp"
#include "packaging_support.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::test;
using namespace gatehouse::test::packaging;

namespace {

void require_systemd_analyze() {
    INFO("systemd-analyze is missing: install the Debian package systemd (scripts/bootstrap lists it)");
    REQUIRE(fs::exists(kSystemdAnalyze));
}

}  // namespace

TEST_CASE("systemd-analyze verify accepts the unit without any message", "[packaging][systemd]") {
    require_systemd_analyze();
    const std::string text = read_text(unit_file());
    REQUIRE_FALSE(text.empty());
    // verify fails when ExecStart's binary does not exist: check a copy whose ExecStart is the built gatehoused.
    const std::string installed = "ExecStart=/usr/bin/gatehoused ";
    const auto at = text.find(installed);
    REQUIRE(at != std::string::npos);
    std::string copy = text;
    copy.replace(at, installed.size(), "ExecStart=" + bin("gatehoused") + " ");
    REQUIRE(fs::exists(bin("gatehoused")));

    TempDir dir;
    write_text(dir / "gatehoused.service", copy);
    // verify exits 0 on unknown keys and bad values; any line on stderr is a finding.
    const auto r = run_command(kSystemdAnalyze, {"verify", (dir / "gatehoused.service").string()}, dir.path());
    INFO("systemd-analyze verify stderr:\n" << r.err << "\nstdout:\n" << r.out);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
}

TEST_CASE("the unit's systemd-analyze security exposure is at most 1.5", "[packaging][systemd]") {
    require_systemd_analyze();
    TempDir dir;
    // --threshold is on the internal 0..100 scale (exposure 1.5 shows as 15): it fails above 15.
    const auto r =
        run_command(kSystemdAnalyze,
                    {"security", "--offline=true", "--threshold=15", "--no-pager", unit_file().string()}, dir.path());
    INFO("systemd-analyze security output:\n" << r.out << r.err);
    CHECK(r.exit_code == 0);
    std::smatch m;
    const std::regex overall(R"(Overall exposure level for gatehoused\.service: ([0-9]+\.[0-9]))");
    REQUIRE(std::regex_search(r.out, m, overall));
    const double exposure = std::stod(m[1].str());
    INFO("exposure " << exposure);
    CHECK(exposure <= 1.5);
}

TEST_CASE("the unit keeps the settings the daemon's design relies on", "[packaging][systemd]") {
    const auto settings = unit_settings(read_text(unit_file()));
    const auto is = [&](const std::string& key, const std::string& value) {
        INFO(key << " must be set once to " << value);
        CHECK(single_setting(settings, key) == std::optional<std::string>(value));
    };
    is("Type", "notify");
    is("NotifyAccess", "main");
    is("WatchdogSec", "30");
    is("Restart", "on-failure");
    is("ExecStart", "/usr/bin/gatehoused --config /etc/gatehouse/gatehouse.toml");
    is("ExecReload", "/bin/kill -HUP $MAINPID");
    is("User", "gatehouse");
    is("Group", "gatehouse");
    is("SupplementaryGroups", "video");
    is("StateDirectory", "gatehouse");
    is("RuntimeDirectory", "gatehouse");
    is("ConfigurationDirectory", "gatehouse");
    is("UMask", "0077");
    is("CapabilityBoundingSet", "");
    is("ProtectSystem", "strict");
    is("DevicePolicy", "closed");
    is("DeviceAllow", "char-video4linux rw");
    // SystemCallFilter: the @system-service allow list, then a deny list narrowing it.
    std::vector<std::string> filters;
    for (auto [it, end] = settings.equal_range("SystemCallFilter"); it != end; ++it) filters.push_back(it->second);
    REQUIRE_FALSE(filters.empty());
    CHECK(filters.front() == "@system-service");
    for (std::size_t i = 1; i < filters.size(); ++i) CHECK(filters[i].rfind('~', 0) == 0);
    // PrivateDevices hides /dev/video*; PrivateUsers maps group video to nobody: either one loses the camera.
    CHECK(settings.count("PrivateDevices") == 0);
    CHECK(settings.count("PrivateUsers") == 0);
    // The daemon listens on TCP and the control socket is AF_UNIX: no other address family.
    is("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6");
}

TEST_CASE("sysusers.d creates the gatehouse system user in group video", "[packaging][systemd]") {
    TempDir root;
    fs::create_directories(root / "etc");
    // A minimal Debian base: root and the video group (gid 44 as in base-passwd).
    write_text(root / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
    write_text(root / "etc/group", "root:x:0:\nvideo:x:44:\n");
    write_text(root / "etc/shadow", "root:*:19000:0:99999:7:::\n");
    write_text(root / "etc/gshadow", "root:*::\nvideo:*::\n");
    const auto r = run_command(
        "/usr/bin/systemd-sysusers",
        {"--root=" + root.path().string(), (source_root() / "systemd/gatehouse.sysusers").string()}, root.path());
    INFO("systemd-sysusers:\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const std::string passwd = read_text(root / "etc/passwd");
    const std::string groups = read_text(root / "etc/group");
    INFO("passwd:\n" << passwd << "group:\n" << groups);
    // A system uid (below 1000), its own group, home in the state directory, no login shell.
    CHECK(std::regex_search(
        passwd, std::regex(R"(^gatehouse:x:([1-9][0-9]{0,2}):\1:[^:]*:/var/lib/gatehouse:/usr/sbin/nologin$)",
                           std::regex::multiline)));
    CHECK(std::regex_search(groups, std::regex(R"(^gatehouse:x:[0-9]+:$)", std::regex::multiline)));
    CHECK(std::regex_search(groups, std::regex(R"(^video:x:44:gatehouse$)", std::regex::multiline)));
}
