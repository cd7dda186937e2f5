#include "backup_command.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <system_error>

#include <CLI/CLI.hpp>
#include <sqlite3.h>

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "gatehouse/storage/ledger_error.hpp"
#include "ledger_location.hpp"

namespace gatehouse::daemon::cli {
namespace {

namespace fs = std::filesystem;

/// Pages copied per step: small enough for a progress bar and for the daemon's writes to go on between steps.
constexpr int kPagesPerStep = 1024;
/// A busy daemon's writes make SQLite restart a stepwise backup; after this many restarts the rest is copied in one
/// step (one read transaction, which in WAL mode does not hold the daemon's writes up).
constexpr int kRestartsBeforeOneStep = 3;

struct BackupArgs {
    LedgerLocation ledger;
    std::string out;
    bool force = false;
    bool json = false;
};

struct BackupResult {
    int pages = 0;
    int restarts = 0;
    std::string integrity;
};

/// Creates `path` empty with mode 0600 (whatever the umask), so that the copy of health data is never readable by
/// others, not even for a moment.
void create_private_file(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot create " + path.string());
    ::fchmod(fd, 0600);
    ::close(fd);
}

BackupResult copy_ledger(const fs::path& source, const fs::path& target, bool progress) {
    SQLite::Database from(source.string(), SQLite::OPEN_READONLY, 5000);
    SQLite::Database to(target.string(), SQLite::OPEN_READWRITE, 5000);
    SQLite::Backup backup(to, from);
    BackupResult result;
    int step = kPagesPerStep;
    int last_remaining = -1;
    int done = SQLITE_OK;
    while (done != SQLITE_DONE) {
        done = backup.executeStep(step);
        const int total = backup.getTotalPageCount();
        const int remaining = backup.getRemainingPageCount();
        if (last_remaining >= 0 && remaining > last_remaining && ++result.restarts >= kRestartsBeforeOneStep) step = -1;
        last_remaining = remaining;
        result.pages = total;
        if (progress && total > 0) {
            std::cerr << fmt::format("\rbacking up {}: {:3d}% ({} of {} pages)", source.string(),
                                     100 * (total - remaining) / total, total - remaining, total)
                      << std::flush;
        }
    }
    if (progress) std::cerr << '\n';
    result.integrity = to.execAndGet("PRAGMA integrity_check").getString();
    // A self-contained file: the copy is a plain database with no -wal beside it.
    to.exec("PRAGMA journal_mode = DELETE");
    return result;
}

void run(const BackupArgs& a) {
    const fs::path source = a.ledger.resolve();
    if (!fs::exists(source)) {
        throw storage::LedgerError(storage::LedgerFault::missing, "ledger " + source.string() + ": no such file");
    }
    const fs::path out(a.out);
    if (fs::exists(out) && !a.force) {
        std::cerr << "gatehouse: " << out.string() << " exists; pass --force to replace it\n";
        finish(kExitCantCreate);
    }
    if (fs::weakly_canonical(out) == fs::weakly_canonical(source)) {
        throw CLI::ValidationError("--out", "is the ledger itself");
    }
    // Written beside the target and renamed at the end: a failed backup never leaves a half file under the name.
    const fs::path partial = out.string() + ".partial";
    fs::remove(partial);
    try {
        create_private_file(partial);
    } catch (const std::system_error& e) {
        std::cerr << "gatehouse: " << e.what() << '\n';
        finish(kExitCantCreate);
    }
    const auto started = std::chrono::steady_clock::now();
    BackupResult result;
    try {
        result = copy_ledger(source, partial, !a.json && ::isatty(STDERR_FILENO));
    } catch (const SQLite::Exception& e) {
        fs::remove(partial);
        throw storage::LedgerError(e.getErrorCode() == SQLITE_CORRUPT || e.getErrorCode() == SQLITE_NOTADB
                                       ? storage::LedgerFault::corrupt
                                       : storage::LedgerFault::io,
                                   "backing up " + source.string() + ": " + e.what());
    }
    if (result.integrity != "ok") {
        fs::remove(partial);
        std::cerr << "gatehouse: the backup of " << source.string() << " fails PRAGMA integrity_check: "
                  << result.integrity << "\n(the ledger itself may be damaged: run `sqlite3 " << source.string()
                  << " 'PRAGMA integrity_check'`)\n";
        finish(kExitDataError);
    }
    fs::rename(partial, out);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto bytes = fs::file_size(out);
    if (a.json) {
        std::cout << nlohmann::json{{"ledger", source.string()}, {"out", out.string()},   {"bytes", bytes},
                                    {"pages", result.pages},    {"integrity", "ok"},      {"restarts", result.restarts},
                                    {"seconds", seconds}}
                         .dump()
                  << '\n';
        return;
    }
    std::cout << fmt::format("backup of {} written to {} ({:.1f} MB, {} pages, integrity ok, mode 0600, {:.1f} s)\n",
                             source.string(), out.string(), static_cast<double>(bytes) / 1e6, result.pages, seconds);
}

}  // namespace

void register_backup_command(CLI::App& app) {
    auto a = std::make_shared<BackupArgs>();
    auto* cmd = app.add_subcommand(
        "backup",
        "Copy the ledger to FILE with SQLite's online backup: safe while the daemon runs and writes. The copy is\n"
        "checked with PRAGMA integrity_check and created with mode 0600 (it holds health data). To restore it, see\n"
        "docs/install.md, \"Backup and restore\": stop the daemon, copy FILE over ledger.path, chown it to the\n"
        "service user, start the daemon.");
    a->ledger.add_options(*cmd);
    cmd->add_option("--out,-o", a->out, "The backup file to write")->required();
    cmd->add_flag("--force", a->force, "Replace FILE when it exists");
    cmd->add_flag("--json", a->json, "Print the result as one JSON object (no progress)");
    cmd->callback([a] { run(*a); });
}

}  // namespace gatehouse::daemon::cli
