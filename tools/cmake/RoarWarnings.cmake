# Warning flags for project targets only; third-party headers come in as SYSTEM includes.
add_library(roar_warnings INTERFACE)
target_compile_options(roar_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough
  -Wmissing-declarations -Wcast-qual
  $<$<COMPILE_LANGUAGE:CXX>:-Wold-style-cast>)
if(ROAR_WARNINGS_AS_ERRORS)
  target_compile_options(roar_warnings INTERFACE -Werror)
endif()
