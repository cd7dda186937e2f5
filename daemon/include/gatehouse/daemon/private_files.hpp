#pragma once
// Health data on disk is the service user's alone: directories 0700, files 0600.
#include <filesystem>
#include <string>
#include <vector>

namespace gatehouse::daemon {

/// One finding of a permission check.
struct PrivateFileFinding {
    std::filesystem::path path;
    unsigned old_mode = 0;  ///< Permission bits found.
    bool fixed = false;     ///< The mode was tightened (else the reason is in `problem`).
    std::string problem;    ///< Set when the file belongs to another user or could not be changed.
};

/// The daemon's umask for everything it creates (files 0600, directories 0700). Set once at start-up,
/// before the ledger or any snapshot is created; the systemd unit's UMask=0077 says the same.
void restrict_umask();

/// Creates `dir` (and parents) with mode 0700 if missing.
void create_private_directory(const std::filesystem::path& dir);

/// What to do about a mode that lets group or others in.
enum class LooseMode {
    tighten,  ///< Our own data: remove the group and other bits (0700 directories, 0600 files).
    report,   ///< A directory that may hold more than our data (the ledger's): only say so.
};

/// Checks `paths` (those that exist) and reports each one group or others can access. With `tighten`, each
/// must also belong to the effective user, and its mode is fixed. Policy, documented in docs/privacy.md: a
/// readable data file is fixed and warned about, because refusing to start would close the gate for a
/// fixable mistake; a file owned by another user is reported as a problem (the caller refuses to start).
std::vector<PrivateFileFinding> enforce_private_modes(const std::vector<std::filesystem::path>& paths,
                                                      LooseMode loose = LooseMode::tighten);

/// The ledger file with its -wal and -shm companions.
std::vector<std::filesystem::path> ledger_files(const std::filesystem::path& ledger);

}  // namespace gatehouse::daemon
