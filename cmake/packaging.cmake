# CPack: the gatehouse Debian package. Included from the top-level CMakeLists.txt after systemd/, whose install
# rules define the package's content (see systemd/CMakeLists.txt for the layout).
#   cmake --build build --target gatehoused gatehouse && (cd build && cpack -G DEB)
#   → build/gatehouse_<version>-<release>_<arch>.deb
# Maintainer scripts and the conffiles list live in systemd/debian/.

# `cpack` and `cmake --install` package what is built; they do not build every target first (the test suites
# and benchmarks are not part of the package). Build gatehoused and gatehouse before packaging.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "gatehouse")
set(CPACK_PACKAGE_VENDOR "gatehouse project")
# The Maintainer is the signer of the newest systemd/debian/changelog entry, so the two never differ. The project
# has no mail domain yet: example.org is a placeholder (RFC 2606); a site that builds its own package puts its own
# contact in the changelog (lintian refuses localhost).
file(STRINGS "${PROJECT_SOURCE_DIR}/systemd/debian/changelog" _gatehouse_signer REGEX "^ -- " LIMIT_COUNT 1)
string(REGEX REPLACE "^ -- (.*>).*$" "\\1" _gatehouse_maintainer "${_gatehouse_signer}")
set(CPACK_PACKAGE_CONTACT "${_gatehouse_maintainer}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "edge gateway daemon for campus gates")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES TRUE)

set(CPACK_DEBIAN_PACKAGE_NAME "gatehouse")
set(CPACK_DEBIAN_PACKAGE_RELEASE "1")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# CPack puts CPACK_PACKAGE_DESCRIPTION_SUMMARY on the Description: line and indents this extended text.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "gatehoused turns a thermal camera and the gate terminals (card readers, face
and health-code scanners, doors) into access decisions, a durable SQLite
ledger of who entered when and at what temperature, and real-time alerts.
It runs as a hardened systemd service under its own gatehouse user; the
gatehouse command checks the configuration and shows the service's status.")

# The runtime library packages (libzmq5, libtomlplusplus3, libspdlog1.10-fmt9, libsqlite3-0, ...: whatever the
# binaries link) come from dpkg-shlibdeps. The postinst uses systemd-sysusers where systemd is installed and
# adduser otherwise, so adduser is a dependency either way (bookworm has no separate systemd-sysusers package).
# deb-systemd-helper and deb-systemd-invoke come from init-system-helpers, which is Essential: no dependency.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# tzdata: gateway.timezone names an IANA zone, read from /usr/share/zoneinfo (libdate-tz3 depends on it too).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, tzdata")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "systemd")

set(_gatehouse_debian_dir "${PROJECT_SOURCE_DIR}/systemd/debian")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${_gatehouse_debian_dir}/conffiles"
    "${_gatehouse_debian_dir}/postinst"
    "${_gatehouse_debian_dir}/prerm"
    "${_gatehouse_debian_dir}/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
