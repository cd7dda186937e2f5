#pragma once
#include <string>

namespace gatehouse::daemon::cli {

/// Who runs the command, as the ledger records it: `given` when not empty, else the login behind sudo, else the
/// caller's login name (USER, LOGNAME, the password database), else "uid:N".
std::string login_name(const std::string& given = {});

}  // namespace gatehouse::daemon::cli
