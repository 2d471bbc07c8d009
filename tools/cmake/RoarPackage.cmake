# The Debian package: `cpack --preset release` (or `cpack -G DEB` in a build directory) makes
# roar-seccomp_<version>_<arch>.deb from what `cmake --install` installs, its Depends computed
# by dpkg-shlibdeps from the binaries (apt-get install dpkg-dev).
set(ROAR_PACKAGE_MAINTAINER "roar-seccomp developers <roar-seccomp@localhost>"
    CACHE STRING "Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME roar-seccomp)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${ROAR_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "records the files a command tree reads and writes, via seccomp user notification")
# The summary above is the first line; this is the rest.
string(CONCAT CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "roar-seccomp runs a command and every process it starts under a seccomp filter whose\n"
  "listener it keeps, and writes a msgpack report of the files they read and wrote. It needs\n"
  "no privileges, no ptrace, no eBPF and no LD_PRELOAD. It is a tracer for roar (installed as\n"
  "roar-tracer-seccomp) and comes with roar-seccomp-report, which prints a report as a table,\n"
  "JSON, an HTML page or Graphviz DOT, or compares two reports.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "graphviz")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
include(CPack)
