#pragma once

namespace gatehouse::daemon::cli {

/// Process exit codes shared by gatehoused and gatehouse (sysexits.h values where one fits).
enum ExitCode : int {
    kExitOk = 0,
    kExitFailure = 1,      ///< The work ran but its result is bad (e.g. unacked events in a simulation).
    kExitUsage = 64,       ///< EX_USAGE: wrong command line.
    kExitDataError = 65,   ///< EX_DATAERR: corrupt ledger, malformed input file.
    kExitUnavailable = 69, ///< EX_UNAVAILABLE: daemon not reachable, endpoint cannot be bound.
    kExitSoftware = 70,    ///< EX_SOFTWARE: internal error.
    kExitNoInput = 66,     ///< EX_NOINPUT: missing file (ledger, configuration), or records purged by retention.
    kExitCantCreate = 73,  ///< EX_CANTCREAT: an output file (--out) cannot be written.
    kExitLedgerInUse = 75, ///< EX_TEMPFAIL: another gatehoused runs on this ledger (start again once it stopped).
    kExitConfig = 78,      ///< EX_CONFIG: invalid configuration.
};

}  // namespace gatehouse::daemon::cli

#include <CLI/Error.hpp>

namespace gatehouse::daemon::cli {

/// Ends a subcommand callback with `code`; CLI11 carries a non-zero code out to main as an exception.
inline void finish(int code) {
    if (code != kExitOk) throw CLI::RuntimeError(code);
}

}  // namespace gatehouse::daemon::cli
