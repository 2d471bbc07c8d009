# Finds the Debian-packaged dependencies and names the package to install when one is missing.
find_package(PkgConfig QUIET)

macro(roar_missing what package)
  message(FATAL_ERROR "roar-seccomp needs ${what}: install it with `apt-get install ${package}`")
endmacro()

if(NOT PkgConfig_FOUND)
  roar_missing("pkg-config" "pkg-config")
endif()
pkg_check_modules(SECCOMP QUIET IMPORTED_TARGET libseccomp>=2.5)
if(NOT SECCOMP_FOUND)
  roar_missing("libseccomp >= 2.5" "libseccomp-dev")
endif()

# Debian 12's libmsgpack-cxx-dev (4.x) ships package "msgpack" with target msgpackc-cxx;
# msgpack-c 6.x renamed both to msgpack-cxx. Accept either, never the C library's config.
find_package(msgpack-cxx CONFIG QUIET)
if(TARGET msgpack-cxx)
  set(ROAR_MSGPACK_TARGET msgpack-cxx)
else()
  find_package(msgpack CONFIG QUIET NAMES msgpack
    HINTS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/cmake/msgpackc-cxx)
  if(TARGET msgpackc-cxx)
    set(ROAR_MSGPACK_TARGET msgpackc-cxx)
  else()
    roar_missing("msgpack-c's C++ API" "libmsgpack-cxx-dev")
  endif()
endif()
add_library(roar_msgpack INTERFACE)
target_link_libraries(roar_msgpack INTERFACE ${ROAR_MSGPACK_TARGET})
# Header-only use: no Boost containers needed.
target_compile_definitions(roar_msgpack INTERFACE MSGPACK_NO_BOOST)

find_package(CLI11 CONFIG QUIET)
if(NOT TARGET CLI11::CLI11)
  roar_missing("CLI11" "libcli11-dev")
endif()

if(ROAR_BUILD_TESTS)
  find_package(doctest CONFIG QUIET)
  if(NOT TARGET doctest::doctest)
    roar_missing("doctest" "doctest-dev")
  endif()
endif()

find_package(Threads REQUIRED)
