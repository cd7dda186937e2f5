#pragma once
// Why an HTTP endpoint could not be bound. cpp-httplib only says that binding failed; the operator needs the
// system's reason (address in use, permission, not an address of this host) to fix it.
#include <string>

namespace gatehouse::daemon {

/// Binds a throw-away TCP socket to HOST:PORT as cpp-httplib does and describes what went wrong, with the fix:
/// "address already in use: another process listens there (ss -ltnp 'sport = :9464')". Empty when the probe
/// binds (the failure was a race or something else).
std::string diagnose_bind_failure(const std::string& host, int port);

/// Socket options for an HTTP listener: SO_REUSEADDR (a restart binds at once) but not cpp-httplib's default
/// SO_REUSEPORT, with which a second gatehoused would silently share the port and take half the scrapes.
void set_exclusive_listener_options(int socket);

}  // namespace gatehouse::daemon
