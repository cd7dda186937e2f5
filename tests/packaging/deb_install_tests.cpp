// The Debian package on this machine: build it with CPack, dpkg -i it, run the installed daemon as the gatehouse
// user against the installed configuration, talk to it with the installed CLI, stop it, dpkg --purge it.
// Needs root. Without root the test fails, unless GATEHOUSE_SKIP_DEB_TEST=1 says to skip it.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <thread>

#include "child_process.hpp"
#include "packaging_support.hpp"
#include "temp_dir.hpp"

using namespace gatehouse::test;
using namespace gatehouse::test::packaging;
using namespace std::chrono_literals;

namespace {

const std::string kDpkg = "/usr/bin/dpkg";
const std::string kDpkgQuery = "/usr/bin/dpkg-query";
const std::string kSetpriv = "/usr/bin/setpriv";

bool package_installed(const fs::path& out) {
    const auto r = run_command(kDpkgQuery, {"-W", "-f=${db:Status-Status}", "gatehouse"}, out);
    return r.exit_code == 0 && r.out == "installed";
}

bool package_known(const fs::path& out) {
    // Installed, or removed with its configuration files left (state config-files).
    return run_command(kDpkgQuery, {"-W", "gatehouse"}, out).exit_code == 0;
}

bool user_exists(const char* name) { return getpwnam(name) != nullptr; }
bool group_exists(const char* name) { return getgrnam(name) != nullptr; }

/// Runs a program as the gatehouse user the way the unit does: its groups (video), no capabilities, no new
/// privileges, umask 0077. setpriv and sh exec, so the returned process is the program itself (signals reach it).
std::vector<std::string> as_gatehouse(const std::vector<std::string>& command) {
    std::vector<std::string> args{"-c",
                                  "umask 0077 && exec \"$@\"",
                                  "sh",
                                  kSetpriv,
                                  "--reuid=gatehouse",
                                  "--regid=gatehouse",
                                  "--init-groups",
                                  "--no-new-privs",
                                  "--inh-caps=-all",
                                  "--bounding-set=-all",
                                  "--"};
    args.insert(args.end(), command.begin(), command.end());
    return args;
}

/// Leaves the machine as it found it, whatever the test's outcome: purges the package and removes the gatehouse
/// user and group if this test created them (the package itself keeps the user on purge, as Debian does).
class MachineRestorer {
public:
    explicit MachineRestorer(fs::path out)
        : out_(std::move(out)), had_user_(user_exists("gatehouse")), had_group_(group_exists("gatehouse")) {}
    ~MachineRestorer() {
        try {
            if (package_known(out_)) run_command(kDpkg, {"--purge", "gatehouse"}, out_);
            if (!had_user_ && user_exists("gatehouse")) run_command("/usr/sbin/userdel", {"gatehouse"}, out_);
            if (!had_group_ && group_exists("gatehouse")) run_command("/usr/sbin/groupdel", {"gatehouse"}, out_);
        } catch (...) {
            // A destructor must not throw; the leftovers are reported by the checks of the next run.
        }
    }
    MachineRestorer(const MachineRestorer&) = delete;
    MachineRestorer& operator=(const MachineRestorer&) = delete;

private:
    fs::path out_;
    bool had_user_;
    bool had_group_;
};

/// The .deb CPack builds from this build tree, written into `dir`.
fs::path build_package(const fs::path& dir) {
    fs::create_directories(dir);
    const auto r = run_command(
        cpack_program().string(),
        {"--config", (build_root() / "CPackConfig.cmake").string(), "-G", "DEB", "-B", dir.string()}, dir, 180s);
    INFO("cpack:\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() == ".deb") return entry.path();
    }
    FAIL("cpack wrote no .deb into " << dir);
    return {};
}

std::string query_field(const std::string& field, const fs::path& out) {
    return run_command(kDpkgQuery, {"-W", "-f=${" + field + "}", "gatehouse"}, out).out;
}

/// The package of each shared library a binary links directly (its DT_NEEDED entries), e.g. libzmq.so.5 → libzmq5.
std::vector<std::pair<std::string, std::string>> needed_library_packages(const std::string& binary,
                                                                         const fs::path& out) {
    const auto dynamic = run_command("/usr/bin/readelf", {"-d", "-W", binary}, out);
    REQUIRE(dynamic.exit_code == 0);
    const auto ldd = run_command("/usr/bin/ldd", {binary}, out);
    REQUIRE(ldd.exit_code == 0);
    std::vector<std::pair<std::string, std::string>> result;
    const std::regex needed(R"(\(NEEDED\)\s+Shared library: \[([^\]]+)\])");
    for (auto it = std::sregex_iterator(dynamic.out.begin(), dynamic.out.end(), needed); it != std::sregex_iterator();
         ++it) {
        const std::string soname = (*it)[1].str();
        std::smatch where;
        const std::regex resolved("(^|\\s)" + std::regex_replace(soname, std::regex(R"([.+])"), R"(\$&)") +
                                  R"( => (\S+))");
        if (!std::regex_search(ldd.out, where, resolved)) {
            result.emplace_back(soname, "(not found by ldd)");
            continue;
        }
        // dpkg records the path the package ships (/lib/... or /usr/lib/..., merged /usr aliases them): try both.
        const std::string path = where[2].str();
        std::string package = "(no package owns " + path + ")";
        for (const std::string& candidate : {path, path.rfind("/usr/", 0) == 0 ? path.substr(4) : "/usr" + path}) {
            const auto owner = run_command(kDpkgQuery, {"-S", candidate}, out);
            if (owner.exit_code == 0) {
                package = owner.out.substr(0, owner.out.find_first_of(":,"));
                break;
            }
        }
        result.emplace_back(soname, package);
    }
    REQUIRE_FALSE(result.empty());
    return result;
}

/// Whether a Depends field names a package (as a whole word, with or without a version constraint).
bool depends_on(const std::string& depends, const std::string& package) {
    const std::regex word("(^|[ ,|])" + std::regex_replace(package, std::regex(R"([.+])"), R"(\$&)") + "($|[ ,(])");
    return std::regex_search(depends, word);
}

/// Waits until `gatehouse status` (run as the gatehouse user) answers; returns its last result.
CommandResult wait_for_status(ChildProcess& daemon, const fs::path& out) {
    CommandResult last{-1, "", ""};
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline && daemon.running()) {
        last = run_command(
            "/bin/sh",
            as_gatehouse({"/usr/bin/gatehouse", "status", "--config", "/etc/gatehouse/gatehouse.toml", "--json"}), out,
            10s);
        if (last.exit_code == 0) break;
        std::this_thread::sleep_for(200ms);
    }
    return last;
}

}  // namespace

TEST_CASE("the .deb installs, runs the daemon as user gatehouse and purges cleanly", "[packaging][deb]") {
    if (const char* skip = std::getenv("GATEHOUSE_SKIP_DEB_TEST"); skip && std::string(skip) == "1") {
        WARN("GATEHOUSE_SKIP_DEB_TEST=1: the .deb install test was NOT run");
        return;
    }
    if (geteuid() != 0) {
        FAIL(
            "the .deb install test must run as root (it installs and purges the package with dpkg); "
            "run the tests as root, or set GATEHOUSE_SKIP_DEB_TEST=1 to skip it explicitly");
    }
    TempDir dir;
    const fs::path out = dir.path();
    {
        INFO(
            "a gatehouse package is already installed on this machine; the test would replace and purge it. "
            "Remove it first (dpkg --purge gatehouse).");
        REQUIRE_FALSE(package_known(out));
    }
    {
        INFO("/usr/bin/gatehoused exists outside the package; the test would overwrite it");
        REQUIRE_FALSE(fs::exists("/usr/bin/gatehoused"));
    }
    // Built once for both sections (Catch runs the test case once per section, one after the other).
    static TempDir package_dir;
    static const fs::path deb = build_package(package_dir / "package");
    MachineRestorer restorer(out);

    SECTION("on this machine (systemd installed, not running as PID 1)") {
        auto r = run_command(kDpkg, {"-i", deb.string()}, out, 120s);
        INFO("dpkg -i:\n" << r.out << r.err);
        REQUIRE(r.exit_code == 0);
        REQUIRE(package_installed(out));

        // Control data: the configuration is a conffile; Depends names the runtime library packages.
        CHECK(query_field("Conffiles", out).find("/etc/gatehouse/gatehouse.toml") != std::string::npos);
        const std::string depends = query_field("Depends", out);
        INFO("Depends: " << depends);
        CHECK(depends.find("adduser | systemd-sysusers") != std::string::npos);
        for (const char* binary : {"/usr/bin/gatehoused", "/usr/bin/gatehouse"}) {
            for (const auto& [soname, package] : needed_library_packages(binary, out)) {
                // The library package's shlibs may name a virtual package it provides (libspdlog1.10 →
                // libspdlog1.10-fmt9).
                const std::string provides = run_command(kDpkgQuery, {"-W", "-f=${Provides}", package}, out).out;
                INFO(binary << " needs " << soname << " from package " << package << " (provides: " << provides << ")");
                bool found = depends_on(depends, package);
                const std::regex name(R"(([a-z0-9][a-z0-9.+-]+)(\s*\([^)]*\))?)");
                for (auto it = std::sregex_iterator(provides.begin(), provides.end(), name);
                     it != std::sregex_iterator(); ++it)
                    found = found || depends_on(depends, (*it)[1].str());
                CHECK(found);
            }
        }

        // The system user, in its own group and in video (camera access).
        const passwd* pw = getpwnam("gatehouse");
        REQUIRE(pw != nullptr);
        CHECK(pw->pw_uid < 1000);
        CHECK(std::string(pw->pw_dir) == "/var/lib/gatehouse");
        CHECK(std::string(pw->pw_shell) == "/usr/sbin/nologin");
        CHECK(group_name(pw->pw_gid) == "gatehouse");
        const auto id = run_command("/usr/bin/id", {"-nG", "gatehouse"}, out);
        CHECK(id.out.find("video") != std::string::npos);

        // Files, owners and modes.
        const std::vector<std::pair<std::string, std::string>> expected{
            {"/usr/bin/gatehoused", "file root:root 0755"},
            {"/usr/bin/gatehouse", "file root:root 0755"},
            {"/usr/lib/systemd/system/gatehoused.service", "file root:root 0644"},
            {"/usr/lib/sysusers.d/gatehouse.conf", "file root:root 0644"},
            {"/usr/lib/tmpfiles.d/gatehouse.conf", "file root:root 0644"},
            {"/etc/gatehouse", "directory root:gatehouse 0750"},
            {"/etc/gatehouse/gatehouse.toml", "file root:gatehouse 0640"},
            {"/etc/gatehouse/server.key", "file gatehouse:gatehouse 0600"},  // CURVE server key, made by postinst
            {"/etc/gatehouse/server.pub", "file root:gatehouse 0644"},
                        {"/var/lib/gatehouse", "directory gatehouse:gatehouse 0700"},
            {"/run/gatehouse", "directory gatehouse:gatehouse 0750"},
            {"/usr/share/doc/gatehouse/install.md", "file root:root 0644"},
            {"/usr/share/doc/gatehouse/README.md", "file root:root 0644"},
        };
        for (const auto& [path, description] : expected) {
            INFO(path);
            CHECK(describe(file_info(path)) == description);
        }
        CHECK(read_text("/usr/lib/systemd/system/gatehoused.service") == read_text(unit_file()));
        {
            // Installed, the unit's own ExecStart exists: verify it as systemd would load it.
            const auto verify = run_command(kSystemdAnalyze, {"verify", "gatehoused.service"}, out);
            INFO("systemd-analyze verify gatehoused.service:\n" << verify.out << verify.err);
            CHECK(verify.exit_code == 0);
            CHECK(verify.err.empty());
        }
        // Enabled the way debhelper does it (a symlink, inert without systemd); nothing was started.
        CHECK(file_info("/etc/systemd/system/multi-user.target.wants/gatehoused.service").type == "symlink");

        // The installed configuration is readable by the service user and valid.
        r = run_command("/bin/sh",
                        as_gatehouse({"/usr/bin/gatehouse", "check-config", "/etc/gatehouse/gatehouse.toml"}), out);
        INFO("check-config:\n" << r.out << r.err);
        CHECK(r.exit_code == 0);

        {
            // The installed daemon as the gatehouse user, ledger and control socket in its state and runtime
            // directories (the configuration's defaults, given explicitly), terminals on a free loopback port.
            ChildProcess daemon("/bin/sh",
                                as_gatehouse({"/usr/bin/gatehoused", "--config", "/etc/gatehouse/gatehouse.toml",
                                              "--ledger", "/var/lib/gatehouse/ledger.db", "--control",
                                              "ipc:///run/gatehouse/control.sock", "--listen", "tcp://127.0.0.1:*"}),
                                out);
            const auto status = wait_for_status(daemon, out);
            INFO("gatehouse status:\n" << status.out << status.err << "\ngatehoused stderr:\n" << daemon.stderr_text());
            REQUIRE(status.exit_code == 0);
            CHECK(status.out.find("north-1-card") != std::string::npos);
            CHECK(status.out.find("/var/lib/gatehouse/ledger.db") != std::string::npos);

            // What it created belongs to the service user and (umask 0077) gives other users no access.
            const FileInfo ledger = file_info("/var/lib/gatehouse/ledger.db");
            INFO("ledger: " << describe(ledger));
            CHECK(ledger.type == "file");
            CHECK(ledger.owner == "gatehouse");
            CHECK((ledger.mode & 07) == 0);
            const FileInfo socket = file_info("/run/gatehouse/control.sock");
            INFO("control socket: " << describe(socket));
            CHECK(socket.type == "socket");
            CHECK(socket.owner == "gatehouse");
            CHECK((socket.mode & 07) == 0);

            daemon.signal(SIGTERM);
            CHECK(daemon.wait(20s) == 0);
        }

        // An upgrade (here: the same version again) keeps an edited configuration and its modes.
        const std::string server_pub = read_text("/etc/gatehouse/server.pub");
        write_text("/etc/gatehouse/gatehouse.toml",
                   read_text("/etc/gatehouse/gatehouse.toml") + "# edited by the test\n");
        r = run_command(kDpkg, {"-i", deb.string()}, out, 120s);
        INFO("dpkg -i (again):\n" << r.out << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(read_text("/etc/gatehouse/gatehouse.toml").find("# edited by the test") != std::string::npos);
        CHECK(describe(file_info("/etc/gatehouse/gatehouse.toml")) == "file root:gatehouse 0640");
        CHECK(fs::exists("/var/lib/gatehouse/ledger.db"));  // data survives an upgrade
        CHECK(read_text("/etc/gatehouse/server.pub") == server_pub);  // and so does the server key

        r = run_command(kDpkg, {"--purge", "gatehouse"}, out, 120s);
        INFO("dpkg --purge:\n" << r.out << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_FALSE(package_known(out));
        for (const char* path :
             {"/usr/bin/gatehoused", "/usr/bin/gatehouse", "/usr/lib/systemd/system/gatehoused.service",
              "/usr/lib/sysusers.d/gatehouse.conf", "/usr/lib/tmpfiles.d/gatehouse.conf", "/etc/gatehouse",
              "/var/lib/gatehouse", "/run/gatehouse", "/usr/share/doc/gatehouse",
              "/etc/systemd/system/multi-user.target.wants/gatehoused.service",
              "/etc/systemd/system/gatehoused.service",
              "/var/lib/systemd/deb-systemd-helper-enabled/gatehoused.service.dsh-also"}) {
            INFO(path << " is left after the purge");
            CHECK_FALSE(file_info(path).exists);
        }
        // The user stays after a purge (Debian practice); MachineRestorer removes it if this test created it.
        CHECK(user_exists("gatehouse"));
    }

    SECTION("without systemd-sysusers and systemd-tmpfiles: the adduser fallback") {
        // A PATH in which /usr/bin lacks the two systemd tools, as on a machine without systemd.
        const fs::path fake_bin = dir / "bin";
        fs::create_directories(fake_bin);
        for (const auto& entry : fs::directory_iterator("/usr/bin")) {
            const std::string name = entry.path().filename().string();
            if (name != "systemd-sysusers" && name != "systemd-tmpfiles")
                fs::create_symlink(entry.path(), fake_bin / name);
        }
        const std::string path = "PATH=" + fake_bin.string() + ":/usr/sbin:/sbin";
        auto r = run_command("/usr/bin/env", {path, "dpkg", "-i", deb.string()}, out, 120s);
        INFO("dpkg -i:\n" << r.out << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK((r.out + r.err).find("Creating user") == std::string::npos);  // systemd-sysusers' message: not used
        const passwd* pw = getpwnam("gatehouse");
        REQUIRE(pw != nullptr);
        CHECK(pw->pw_uid < 1000);
        CHECK(std::string(pw->pw_dir) == "/var/lib/gatehouse");
        CHECK(std::string(pw->pw_shell) == "/usr/sbin/nologin");
        CHECK(group_name(pw->pw_gid) == "gatehouse");
        CHECK(run_command("/usr/bin/id", {"-nG", "gatehouse"}, out).out.find("video") != std::string::npos);
        CHECK(describe(file_info("/etc/gatehouse/gatehouse.toml")) == "file root:gatehouse 0640");
        CHECK(describe(file_info("/var/lib/gatehouse")) == "directory gatehouse:gatehouse 0700");
        CHECK(describe(file_info("/run/gatehouse")) == "directory gatehouse:gatehouse 0750");

        r = run_command("/usr/bin/env", {path, "dpkg", "--purge", "gatehouse"}, out, 120s);
        INFO("dpkg --purge:\n" << r.out << r.err);
        REQUIRE(r.exit_code == 0);
        for (const char* left : {"/usr/bin/gatehoused", "/etc/gatehouse", "/var/lib/gatehouse", "/run/gatehouse"}) {
            INFO(left << " is left after the purge");
            CHECK_FALSE(file_info(left).exists);
        }
    }
}
