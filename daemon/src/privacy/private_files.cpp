#include "gatehouse/daemon/private_files.hpp"

#include <cerrno>
#include <stdexcept>
#include <cstring>
#include <system_error>

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace gatehouse::daemon {

void restrict_umask() { ::umask(0077); }

void create_private_directory(const std::filesystem::path& dir) {
    if (dir.empty()) return;
    std::error_code error;
    if (std::filesystem::is_directory(dir, error)) return;
    if (dir.has_parent_path() && dir.parent_path() != dir) create_private_directory(dir.parent_path());
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        throw std::runtime_error("cannot create directory " + dir.string() + ": " + std::strerror(errno));
    }
}

std::vector<PrivateFileFinding> enforce_private_modes(const std::vector<std::filesystem::path>& paths, LooseMode loose) {
    std::vector<PrivateFileFinding> findings;
    for (const auto& path : paths) {
        struct stat info {};
        if (::lstat(path.c_str(), &info) != 0) continue;  // not created yet: the umask covers it
        const unsigned mode = info.st_mode & 07777;
        const bool directory = S_ISDIR(info.st_mode);
        if (loose == LooseMode::report) {
            if ((mode & 077) != 0) findings.push_back({path, mode, false, ""});
            continue;
        }
        if (info.st_uid != ::geteuid()) {
            findings.push_back({path, mode, false,
                                fmt::format("owned by uid {}, not by the service user (uid {}): chown it", info.st_uid,
                                            ::geteuid())});
            continue;
        }
        if ((mode & 077) == 0) continue;
        PrivateFileFinding finding{path, mode, true, ""};
        if (::chmod(path.c_str(), directory ? 0700 : 0600) != 0) {
            finding.fixed = false;
            finding.problem = std::string("cannot change its mode: ") + std::strerror(errno);
        }
        findings.push_back(std::move(finding));
    }
    return findings;
}

std::vector<std::filesystem::path> ledger_files(const std::filesystem::path& ledger) {
    std::vector<std::filesystem::path> files;
    for (const char* suffix : {"", "-wal", "-shm"}) files.push_back(ledger.string() + suffix);
    return files;
}

}  // namespace gatehouse::daemon
