# ROAR_SANITIZE adds sanitizers to the tracer and its tests, never to the test fixtures.
add_library(roar_sanitizers INTERFACE)
if(ROAR_SANITIZE)
  target_compile_options(roar_sanitizers INTERFACE
    -fsanitize=${ROAR_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(roar_sanitizers INTERFACE -fsanitize=${ROAR_SANITIZE})
endif()
