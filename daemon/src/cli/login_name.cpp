#include "login_name.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace gatehouse::daemon::cli {

std::string login_name(const std::string& given) {
    if (!given.empty()) return given;
    for (const char* var : {"SUDO_USER", "USER", "LOGNAME"}) {
        if (const char* v = std::getenv(var); v && *v) return v;
    }
    if (const passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
    return "uid:" + std::to_string(::getuid());
}

}  // namespace gatehouse::daemon::cli
