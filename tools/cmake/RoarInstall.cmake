# What `cmake --install` puts beside the executables: the name roar looks up for a seccomp
# backend, the man pages (gzipped, as Debian ships them), the copyright and README.
#
#   bin/roar-seccomp, bin/roar-tracer-seccomp -> roar-seccomp
#   bin/roar-seccomp-report, bin/roar-seccomp-filter
#   share/man/man1/{roar-seccomp,roar-seccomp-report,roar-seccomp-filter}.1.gz
#   share/man/man1/roar-tracer-seccomp.1.gz -> roar-seccomp.1.gz
#   share/doc/roar-seccomp/{copyright,README.md}
#
# Files the tracer loads at run time (none yet; a preload library is planned) belong in
# lib/roar-seccomp/, found from the executable's own path (/proc/self/exe, then ../lib/...).

set(roar_links ${CMAKE_CURRENT_BINARY_DIR}/install-links)
file(MAKE_DIRECTORY ${roar_links})
# Relative links: they stay right under any prefix and in a DESTDIR staging tree.
file(CREATE_LINK roar-seccomp ${roar_links}/roar-tracer-seccomp SYMBOLIC)
file(CREATE_LINK roar-seccomp.1.gz ${roar_links}/roar-tracer-seccomp.1.gz SYMBOLIC)
install(FILES ${roar_links}/roar-tracer-seccomp DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${roar_links}/roar-tracer-seccomp.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

set(roar_man_gz)
foreach(page roar-seccomp.1 roar-seccomp-report.1 roar-seccomp-filter.1)
  set(gz ${CMAKE_CURRENT_BINARY_DIR}/man/${page}.gz)
  add_custom_command(
    OUTPUT ${gz}
    COMMAND sh -c "mkdir -p \"$(dirname \"$2\")\" && gzip -9nc \"$1\" > \"$2\"" sh
            ${CMAKE_CURRENT_SOURCE_DIR}/${page} ${gz}
    DEPENDS ${page}
    COMMENT "Compressing the man page ${page}"
    VERBATIM)
  list(APPEND roar_man_gz ${gz})
endforeach()
add_custom_target(roar_man_pages ALL DEPENDS ${roar_man_gz})
install(FILES ${roar_man_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

set(ROAR_DOCDIR ${CMAKE_INSTALL_DATAROOTDIR}/doc/roar-seccomp)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${ROAR_DOCDIR} RENAME copyright)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${ROAR_DOCDIR})
