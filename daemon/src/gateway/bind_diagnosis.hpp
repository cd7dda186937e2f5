#pragma once
// Why an HTTP endpoint could not be bound. cpp-httplib only says that binding failed; the operator needs the
// system's reason (address in use, permission, not an address of this host) to fix it.
#include <string>

namespace gatehouse::daemon {

/// Binds a throw-away TCP socket to HOST:PORT as cpp-httplib does and describes what went wrong, with the fix:
/// "address already in use: another process listens there (ss -ltnp 'sport = :9464')". Empty when the probe
/// binds (the failure was a race or something else).
std::string diagnose_bind_failure(const std::string& host, int port);

}  // namespace gatehouse::daemon
