#pragma once
// A copy-on-write view of this machine's root filesystem, private to the test process, for installing and purging
// a package without touching the machine: whatever is installed here (a gatehouse package someone tried by hand, a
// gatehouse user) is seen but never changed, and nothing the test does outlives it.
#include <sched.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "packaging_support.hpp"
#include "temp_dir.hpp"

namespace gatehouse::test::packaging {

/// An overlay of "/" (its writes land in a temp dir) in a mount namespace of this process's own, with /proc, /dev
/// and /sys bound in and a fresh /run; commands run in it through chroot. Needs root; the namespace must be made
/// before the process starts threads (Catch2 runs each test case in a process of its own under CTest).
/// Not copyable; the destructor unmounts and removes the upper layer.
class ThrowawayRoot {
public:
    ThrowawayRoot() {
        if (::unshare(CLONE_NEWNS) != 0) fail("unshare(CLONE_NEWNS)");
        // Nothing mounted from here on propagates back to the machine.
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail("making / private");
        for (const char* d : {"upper", "work", "root"}) fs::create_directory(layers_ / d);
        const std::string options = "lowerdir=/,upperdir=" + (layers_ / "upper").string() +
                                    ",workdir=" + (layers_ / "work").string();
        mount_or_fail("overlay", root(), "overlay", 0, options.c_str());
        for (const char* d : {"proc", "dev", "sys"}) mount_or_fail(("/" + std::string(d)).c_str(), root() / d, nullptr, MS_BIND | MS_REC);
        mount_or_fail("tmpfs", root() / "run", "tmpfs", 0, "mode=0755");
    }
    ~ThrowawayRoot() {
        // Innermost first; MNT_DETACH so that a process the test left running cannot keep the layers busy.
        for (const char* d : {"run", "sys", "dev", "proc", ""}) ::umount2((root() / d).c_str(), MNT_DETACH);
    }
    ThrowawayRoot(const ThrowawayRoot&) = delete;
    ThrowawayRoot& operator=(const ThrowawayRoot&) = delete;

    /// The merged root as this process sees it.
    fs::path root() const { return layers_ / "root"; }
    /// A path of the throwaway system ("/etc/gatehouse") as this process sees it.
    fs::path operator/(const std::string& absolute) const { return root() / fs::path(absolute).relative_path(); }

    /// argv for running `command` inside the throwaway root (chroot execs it: the pid is the command's).
    std::vector<std::string> inside(const std::vector<std::string>& command) const {
        std::vector<std::string> args{root().string()};
        args.insert(args.end(), command.begin(), command.end());
        return args;
    }
    CommandResult run(const std::vector<std::string>& command, const fs::path& out,
                      std::chrono::seconds timeout = std::chrono::seconds(60)) const {
        return run_command(kChroot, inside(command), out, timeout);
    }

    /// Owner, group and mode of a path inside, with names from the throwaway root's own passwd and group files.
    FileInfo file_info(const std::string& absolute) const {
        FileInfo info = packaging::file_info(*this / absolute);
        if (!info.exists) return info;
        struct stat st {};
        ::lstat((*this / absolute).c_str(), &st);
        info.owner = name_of("/etc/passwd", st.st_uid).value_or(std::to_string(st.st_uid));
        info.group = name_of("/etc/group", st.st_gid).value_or(std::to_string(st.st_gid));
        return info;
    }
    /// The passwd entry of `user` inside: name, password, uid, gid, gecos, home, shell.
    std::optional<std::vector<std::string>> passwd_entry(const std::string& user) const {
        return entry("/etc/passwd", [&](const std::vector<std::string>& f) { return f[0] == user; });
    }
    bool group_exists(const std::string& group) const {
        return entry("/etc/group", [&](const std::vector<std::string>& f) { return f[0] == group; }).has_value();
    }

    static constexpr const char* kChroot = "/usr/sbin/chroot";

private:
    [[noreturn]] static void fail(const std::string& what) {
        throw std::runtime_error("throwaway root: " + what + ": " + std::strerror(errno) +
                                 " (the packaging test needs root and mount namespaces)");
    }
    static void mount_or_fail(const char* source, const fs::path& target, const char* type, unsigned long flags,
                              const char* options = nullptr) {
        if (::mount(source, target.c_str(), type, flags, options) != 0) fail("mounting " + target.string());
    }
    template <typename Match>
    std::optional<std::vector<std::string>> entry(const std::string& file, Match match) const {
        std::ifstream in(*this / file);
        std::string line;
        while (std::getline(in, line)) {
            std::vector<std::string> fields;
            std::stringstream s(line);
            for (std::string f; std::getline(s, f, ':');) fields.push_back(f);
            if (!fields.empty() && match(fields)) return fields;
        }
        return std::nullopt;
    }
    std::optional<std::string> name_of(const std::string& file, unsigned id) const {
        const auto e = entry(file, [&](const std::vector<std::string>& f) { return f.size() > 2 && f[2] == std::to_string(id); });
        if (!e) return std::nullopt;
        return (*e)[0];
    }

    TempDir layers_;
};

}  // namespace gatehouse::test::packaging
