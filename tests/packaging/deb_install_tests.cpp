// The Debian package: build it with CPack, dpkg -i it, run the installed daemon as the gatehouse user against the
// installed configuration, talk to it with the installed CLI, stop it, dpkg --purge it. All of it happens in a
// throwaway copy-on-write root (throwaway_root.hpp), so the test neither changes this machine nor depends on what
// is installed on it. Needs root. Without root the test fails, unless GATEHOUSE_SKIP_DEB_TEST=1 says to skip it.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <thread>

#include "child_process.hpp"
#include "packaging_support.hpp"
#include "temp_dir.hpp"
#include "throwaway_root.hpp"

using namespace gatehouse::test;
using namespace gatehouse::test::packaging;
using namespace std::chrono_literals;

namespace {

const std::string kDpkg = "/usr/bin/dpkg";
const std::string kDpkgQuery = "/usr/bin/dpkg-query";
const std::string kSetpriv = "/usr/bin/setpriv";

bool package_installed(const ThrowawayRoot& sys, const fs::path& out) {
    const auto r = sys.run({kDpkgQuery, "-W", "-f=${db:Status-Status}", "gatehouse"}, out);
    return r.exit_code == 0 && r.out == "installed";
}

bool package_known(const ThrowawayRoot& sys, const fs::path& out) {
    // Installed, or removed with its configuration files left (state config-files).
    return sys.run({kDpkgQuery, "-W", "gatehouse"}, out).exit_code == 0;
}

/// Runs a program as the gatehouse user the way the unit does: its groups (video), no capabilities, no new
/// privileges, umask 0077. setpriv and sh exec, so the returned process is the program itself (signals reach it).
std::vector<std::string> as_gatehouse(const std::vector<std::string>& command) {
    std::vector<std::string> args{"/bin/sh",
                                  "-c",
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

/// A machine without the package: one that a tester installed by hand is purged, and a stray gatehoused removed,
/// in the throwaway root only.
void start_clean(const ThrowawayRoot& sys, const fs::path& out) {
    if (package_known(sys, out)) REQUIRE(sys.run({kDpkg, "--purge", "gatehouse"}, out, 120s).exit_code == 0);
    fs::remove(sys / "/usr/bin/gatehoused");
    fs::remove(sys / "/usr/bin/gatehouse");
}

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

std::string query_field(const ThrowawayRoot& sys, const std::string& field, const fs::path& out) {
    return sys.run({kDpkgQuery, "-W", "-f=${" + field + "}", "gatehouse"}, out).out;
}

/// The package of each shared library a binary links directly (its DT_NEEDED entries), e.g. libzmq.so.5 → libzmq5.
std::vector<std::pair<std::string, std::string>> needed_library_packages(const ThrowawayRoot& sys,
                                                                         const std::string& binary,
                                                                         const fs::path& out) {
    const auto dynamic = sys.run({"/usr/bin/readelf", "-d", "-W", binary}, out);
    REQUIRE(dynamic.exit_code == 0);
    const auto ldd = sys.run({"/usr/bin/ldd", binary}, out);
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
            const auto owner = sys.run({kDpkgQuery, "-S", candidate}, out);
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
CommandResult wait_for_status(const ThrowawayRoot& sys, ChildProcess& daemon, const fs::path& out) {
    CommandResult last{-1, "", ""};
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline && daemon.running()) {
        last = sys.run(as_gatehouse({"/usr/bin/gatehouse", "status", "--config", "/etc/gatehouse/gatehouse.toml", "--json"}),
                       out, 10s);
        if (last.exit_code == 0) break;
        std::this_thread::sleep_for(200ms);
    }
    return last;
}

/// The groups `user` is in, as `id -nG` prints them inside.
std::string groups_of(const ThrowawayRoot& sys, const std::string& user, const fs::path& out) {
    return sys.run({"/usr/bin/id", "-nG", user}, out).out;
}

}  // namespace

TEST_CASE("the .deb installs, runs the daemon as user gatehouse and purges cleanly", "[packaging][deb]") {
    if (const char* skip = std::getenv("GATEHOUSE_SKIP_DEB_TEST"); skip && std::string(skip) == "1") {
        WARN("GATEHOUSE_SKIP_DEB_TEST=1: the .deb install test was NOT run");
        return;
    }
    if (geteuid() != 0) {
        FAIL(
            "the .deb install test must run as root (it installs and purges the package with dpkg in a throwaway "
            "root); run the tests as root, or set GATEHOUSE_SKIP_DEB_TEST=1 to skip it explicitly");
    }
    TempDir dir;
    const fs::path out = dir.path();
    // Built once for both sections (Catch runs the test case once per section, one after the other), before the
    // throwaway root is made: the overlay shows it inside.
    static TempDir package_dir;
    static const fs::path deb = build_package(package_dir / "package");
    ThrowawayRoot sys;
    start_clean(sys, out);

    SECTION("on this machine (systemd installed, not running as PID 1)") {
        auto r = sys.run({kDpkg, "-i", deb.string()}, out, 120s);
        INFO("dpkg -i:\n" << r.out << r.err);
        REQUIRE(r.exit_code == 0);
        REQUIRE(package_installed(sys, out));

        // Control data: the configuration is a conffile; Depends names the runtime library packages.
        CHECK(query_field(sys, "Conffiles", out).find("/etc/gatehouse/gatehouse.toml") != std::string::npos);
        const std::string depends = query_field(sys, "Depends", out);
        INFO("Depends: " << depends);
        CHECK(depends.find("adduser") != std::string::npos);  // the postinst's fallback (lintian wants it plain)
        for (const char* binary : {"/usr/bin/gatehoused", "/usr/bin/gatehouse"}) {
            for (const auto& [soname, package] : needed_library_packages(sys, binary, out)) {
                // The library package's shlibs may name a virtual package it provides (libspdlog1.10 →
                // libspdlog1.10-fmt9).
                const std::string provides = sys.run({kDpkgQuery, "-W", "-f=${Provides}", package}, out).out;
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
        const auto pw = sys.passwd_entry("gatehouse");
        REQUIRE(pw.has_value());
        REQUIRE(pw->size() == 7);
        CHECK(std::stoi((*pw)[2]) < 1000);
        CHECK((*pw)[5] == "/var/lib/gatehouse");
        CHECK((*pw)[6] == "/usr/sbin/nologin");
        CHECK(groups_of(sys, "gatehouse", out).rfind("gatehouse", 0) == 0);  // the primary group comes first
        CHECK(groups_of(sys, "gatehouse", out).find("video") != std::string::npos);

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
            {"/usr/share/doc/gatehouse/copyright", "file root:root 0644"},
            {"/usr/share/doc/gatehouse/changelog.Debian.gz", "file root:root 0644"},
            {"/usr/share/man/man8/gatehoused.8.gz", "file root:root 0644"},
            {"/usr/share/man/man1/gatehouse.1.gz", "file root:root 0644"},
        };
        for (const auto& [path, description] : expected) {
            INFO(path);
            CHECK(describe(sys.file_info(path)) == description);
        }
        {
            // Every document the installed configuration's comments point to is installed beside it.
            const std::string config = read_text(sys / "/etc/gatehouse/gatehouse.toml");
            std::size_t named = 0;
            for (std::size_t at = config.find("docs/"); at != std::string::npos; at = config.find("docs/", at + 1)) {
                const std::size_t end = config.find(".md", at);
                if (end == std::string::npos) break;
                const std::string doc = config.substr(at + 5, end + 3 - at - 5);
                if (doc.find_first_of(" /\n") != std::string::npos) continue;
                ++named;
                INFO("the configuration names docs/" << doc);
                CHECK(describe(sys.file_info("/usr/share/doc/gatehouse/" + doc)) == "file root:root 0644");
            }
            CHECK(named >= 5);
        }
        CHECK(read_text(sys / "/usr/lib/systemd/system/gatehoused.service") == read_text(unit_file()));
        {
            // Installed, the unit's own ExecStart exists: verify it as systemd would load it.
            const auto verify = sys.run({kSystemdAnalyze, "verify", "gatehoused.service"}, out);
            INFO("systemd-analyze verify gatehoused.service:\n" << verify.out << verify.err);
            CHECK(verify.exit_code == 0);
            CHECK(verify.err.empty());
        }
        // Enabled the way debhelper does it (a symlink, inert without systemd); nothing was started.
        CHECK(sys.file_info("/etc/systemd/system/multi-user.target.wants/gatehoused.service").type == "symlink");

        // The installed configuration is readable by the service user and valid.
        r = sys.run(as_gatehouse({"/usr/bin/gatehouse", "check-config", "/etc/gatehouse/gatehouse.toml"}), out);
        INFO("check-config:\n" << r.out << r.err);
        CHECK(r.exit_code == 0);

        {
            // The installed daemon as the gatehouse user, ledger and control socket in its state and runtime
            // directories (the configuration's defaults, given explicitly), terminals on a free loopback port.
            ChildProcess daemon(ThrowawayRoot::kChroot,
                                sys.inside(as_gatehouse({"/usr/bin/gatehoused", "--config",
                                                         "/etc/gatehouse/gatehouse.toml", "--ledger",
                                                         "/var/lib/gatehouse/ledger.db", "--control",
                                                         "ipc:///run/gatehouse/control.sock", "--listen",
                                                         "tcp://127.0.0.1:*"})),
                                out);
            const auto status = wait_for_status(sys, daemon, out);
            INFO("gatehouse status:\n" << status.out << status.err << "\ngatehoused stderr:\n" << daemon.stderr_text());
            REQUIRE(status.exit_code == 0);
            CHECK(status.out.find("north-1-card") != std::string::npos);
            CHECK(status.out.find("/var/lib/gatehouse/ledger.db") != std::string::npos);

            // What it created belongs to the service user and (umask 0077) gives other users no access.
            const FileInfo ledger = sys.file_info("/var/lib/gatehouse/ledger.db");
            INFO("ledger: " << describe(ledger));
            CHECK(ledger.type == "file");
            CHECK(ledger.owner == "gatehouse");
            CHECK((ledger.mode & 07) == 0);
            const FileInfo socket = sys.file_info("/run/gatehouse/control.sock");
            INFO("control socket: " << describe(socket));
            CHECK(socket.type == "socket");
            CHECK(socket.owner == "gatehouse");
            CHECK((socket.mode & 07) == 0);

            daemon.signal(SIGTERM);
            CHECK(daemon.wait(20s) == 0);
        }

        // An upgrade (here: the same version again) keeps an edited configuration and its modes.
        const std::string server_pub = read_text(sys / "/etc/gatehouse/server.pub");
        write_text(sys / "/etc/gatehouse/gatehouse.toml",
                   read_text(sys / "/etc/gatehouse/gatehouse.toml") + "# edited by the test\n");
        r = sys.run({kDpkg, "-i", deb.string()}, out, 120s);
        INFO("dpkg -i (again):\n" << r.out << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(read_text(sys / "/etc/gatehouse/gatehouse.toml").find("# edited by the test") != std::string::npos);
        CHECK(describe(sys.file_info("/etc/gatehouse/gatehouse.toml")) == "file root:gatehouse 0640");
        CHECK(fs::exists(sys / "/var/lib/gatehouse/ledger.db"));  // data survives an upgrade
        CHECK(read_text(sys / "/etc/gatehouse/server.pub") == server_pub);  // and so does the server key

        // Terminal keys made by `gatehouse terminals enroll` (its default directory) are purged with the package.
        fs::create_directories(sys / "/etc/gatehouse/terminals");
        write_text(sys / "/etc/gatehouse/terminals/north-1-card.key", "secret\n");
        r = sys.run({kDpkg, "--purge", "gatehouse"}, out, 120s);
        INFO("dpkg --purge:\n" << r.out << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_FALSE(package_known(sys, out));
        for (const char* path :
             {"/usr/bin/gatehoused", "/usr/bin/gatehouse", "/usr/lib/systemd/system/gatehoused.service",
              "/usr/lib/sysusers.d/gatehouse.conf", "/usr/lib/tmpfiles.d/gatehouse.conf", "/etc/gatehouse",
              "/var/lib/gatehouse", "/run/gatehouse", "/usr/share/doc/gatehouse", "/usr/share/man/man8/gatehoused.8.gz",
              "/usr/share/man/man1/gatehouse.1.gz",
              "/etc/systemd/system/multi-user.target.wants/gatehoused.service",
              "/etc/systemd/system/gatehoused.service",
              "/var/lib/systemd/deb-systemd-helper-enabled/gatehoused.service.dsh-also"}) {
            INFO(path << " is left after the purge");
            CHECK_FALSE(sys.file_info(path).exists);
        }
        // The user stays after a purge (Debian practice).
        CHECK(sys.passwd_entry("gatehouse").has_value());
    }

    SECTION("without systemd-sysusers and systemd-tmpfiles: the adduser fallback") {
        // A PATH in which /usr/bin lacks the two systemd tools, as on a machine without systemd. A user left by the
        // first section (or by a tester on this machine) would hide the fallback: remove it, inside only.
        if (sys.passwd_entry("gatehouse")) REQUIRE(sys.run({"/usr/sbin/userdel", "gatehouse"}, out).exit_code == 0);
        if (sys.group_exists("gatehouse")) REQUIRE(sys.run({"/usr/sbin/groupdel", "gatehouse"}, out).exit_code == 0);
        const std::string fake_bin = "/opt/gatehouse-test-bin";
        fs::create_directories(sys / fake_bin);
        for (const auto& entry : fs::directory_iterator(sys / "/usr/bin")) {
            const std::string name = entry.path().filename().string();
            if (name != "systemd-sysusers" && name != "systemd-tmpfiles")
                fs::create_symlink("/usr/bin/" + name, sys / (fake_bin + "/" + name));
        }
        const std::string path = "PATH=" + fake_bin + ":/usr/sbin:/sbin";
        auto r = sys.run({"/usr/bin/env", path, "dpkg", "-i", deb.string()}, out, 120s);
        INFO("dpkg -i:\n" << r.out << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK((r.out + r.err).find("Creating user") == std::string::npos);  // systemd-sysusers' message: not used
        const auto pw = sys.passwd_entry("gatehouse");
        REQUIRE(pw.has_value());
        REQUIRE(pw->size() == 7);
        CHECK(std::stoi((*pw)[2]) < 1000);
        CHECK((*pw)[5] == "/var/lib/gatehouse");
        CHECK((*pw)[6] == "/usr/sbin/nologin");
        CHECK(groups_of(sys, "gatehouse", out).rfind("gatehouse", 0) == 0);
        CHECK(groups_of(sys, "gatehouse", out).find("video") != std::string::npos);
        CHECK(describe(sys.file_info("/etc/gatehouse/gatehouse.toml")) == "file root:gatehouse 0640");
        CHECK(describe(sys.file_info("/var/lib/gatehouse")) == "directory gatehouse:gatehouse 0700");
        CHECK(describe(sys.file_info("/run/gatehouse")) == "directory gatehouse:gatehouse 0750");

        r = sys.run({"/usr/bin/env", path, "dpkg", "--purge", "gatehouse"}, out, 120s);
        INFO("dpkg --purge:\n" << r.out << r.err);
        REQUIRE(r.exit_code == 0);
        for (const char* left : {"/usr/bin/gatehoused", "/etc/gatehouse", "/var/lib/gatehouse", "/run/gatehouse"}) {
            INFO(left << " is left after the purge");
            CHECK_FALSE(sys.file_info(left).exists);
        }
    }
}
