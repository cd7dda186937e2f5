#pragma once
// Helpers for the packaging tests: where the source and build trees are, file ownership and modes, the unit file's
// settings, and the system tools the tests drive (systemd-analyze, cpack, dpkg).
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace gatehouse::test::packaging {

namespace fs = std::filesystem;

/// The source tree's root.
inline fs::path source_root() {
#ifdef GATEHOUSE_SOURCE_DIR
    return GATEHOUSE_SOURCE_DIR;
#else
    return fs::path(GATEHOUSE_TEST_DATA).parent_path().parent_path();  // <root>/tests/data
#endif
}
/// The build tree's root (GATEHOUSE_BIN_DIR is <build>/daemon).
inline fs::path build_root() { return fs::path(GATEHOUSE_BIN_DIR).parent_path(); }
inline fs::path unit_file() { return source_root() / "systemd" / "gatehoused.service"; }

inline std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

inline void write_text(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::trunc);
    out << text;
}

/// Every `Key=value` assignment of a unit file (all sections, comments skipped), in order, keyed by name.
inline std::multimap<std::string, std::string> unit_settings(const std::string& text) {
    std::multimap<std::string, std::string> settings;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#' || line[0] == ';' || line[0] == '[') continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        settings.emplace(line.substr(0, eq), line.substr(eq + 1));
    }
    return settings;
}

/// The value of a setting assigned exactly once; nullopt when absent or assigned several times.
inline std::optional<std::string> single_setting(const std::multimap<std::string, std::string>& settings,
                                                 const std::string& key) {
    if (settings.count(key) != 1) return std::nullopt;
    return settings.find(key)->second;
}

/// Owner, group and permission bits of a path (not following a final symlink).
struct FileInfo {
    bool exists = false;
    std::string type;  // "file", "directory", "socket", "symlink", "other"
    std::string owner;
    std::string group;
    unsigned mode = 0;  // permission bits only, e.g. 0750
};

inline std::string user_name(uid_t uid) {
    const passwd* pw = getpwuid(uid);
    return pw ? pw->pw_name : std::to_string(uid);
}
inline std::string group_name(gid_t gid) {
    const group* gr = getgrgid(gid);
    return gr ? gr->gr_name : std::to_string(gid);
}

inline FileInfo file_info(const fs::path& p) {
    struct stat st {};
    FileInfo info;
    if (::lstat(p.c_str(), &st) != 0) return info;
    info.exists = true;
    info.type = S_ISREG(st.st_mode)    ? "file"
                : S_ISDIR(st.st_mode)  ? "directory"
                : S_ISSOCK(st.st_mode) ? "socket"
                : S_ISLNK(st.st_mode)  ? "symlink"
                                       : "other";
    info.owner = user_name(st.st_uid);
    info.group = group_name(st.st_gid);
    info.mode = st.st_mode & 07777;
    return info;
}

inline std::string octal(unsigned mode) {
    std::ostringstream s;
    s << '0' << std::oct << mode;
    return s.str();
}

/// "file root:root 0644" — compared as one string so a failure shows everything at once.
inline std::string describe(const FileInfo& info) {
    if (!info.exists) return "missing";
    return info.type + " " + info.owner + ":" + info.group + " " + octal(info.mode);
}

/// Value of `KEY:TYPE=value` in the build tree's CMakeCache.txt, or empty.
inline std::string cmake_cache_value(const std::string& key) {
    std::ifstream in(build_root() / "CMakeCache.txt");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(key + ":", 0) != 0) continue;
        const auto eq = line.find('=');
        if (eq != std::string::npos) return line.substr(eq + 1);
    }
    return {};
}

/// cpack from the same CMake installation that configured the build tree.
inline fs::path cpack_program() {
    const std::string cmake = cmake_cache_value("CMAKE_COMMAND");
    if (!cmake.empty()) {
        const fs::path candidate = fs::path(cmake).parent_path() / "cpack";
        if (fs::exists(candidate)) return candidate;
    }
    return "/usr/bin/cpack";
}

inline const char* const kSystemdAnalyze = "/usr/bin/systemd-analyze";

}  // namespace gatehouse::test::packaging
