#include "gateway/bind_diagnosis.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gatehouse::daemon {

void set_exclusive_listener_options(int socket) {
    const int yes = 1;
    (void)::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

std::string diagnose_bind_failure(const std::string& host, int port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (const int r = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); r != 0) {
        return "cannot resolve '" + host + "': " + ::gai_strerror(r);
    }
    int error = 0;
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            error = errno;
            continue;
        }
        const int yes = 1;
        (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        const bool bound = ::bind(fd, a->ai_addr, a->ai_addrlen) == 0;
        error = bound ? 0 : errno;
        ::close(fd);
        if (bound) break;
    }
    ::freeaddrinfo(found);
    switch (error) {
        case 0: return {};
        case EADDRINUSE:
            return "address already in use: another process listens there (see `ss -ltnp 'sport = :" + service + "'`)";
        case EACCES:
            return "permission denied: ports below 1024 need CAP_NET_BIND_SERVICE; choose a port above 1023";
        case EADDRNOTAVAIL: return "'" + host + "' is not an address of this host";
        default: return std::strerror(error);
    }
}

}  // namespace gatehouse::daemon
