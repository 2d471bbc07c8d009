# Writes a C++ source that defines one std::string_view constant holding a text file, so that the
# report page's CSS and JavaScript stay ordinary files but the tool needs nothing at run time.
# cmake -DINPUT=file -DOUTPUT=file.cpp -DNAME=kConstant -P embed_text.cmake
file(READ "${INPUT}" text)
set(delimiter "roar_embed")
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter )${delimiter}\"")
endif()
get_filename_component(input_name "${INPUT}" NAME)
file(WRITE "${OUTPUT}.tmp"
  "// Generated from tools/${input_name} by tools/cmake/embed_text.cmake: edit that file instead.\n"
  "#include <string_view>\n\n"
  "namespace roar::seccomp {\n"
  "extern const std::string_view ${NAME};\n"
  "const std::string_view ${NAME} = R\"${delimiter}(${text})${delimiter}\";\n"
  "}  // namespace roar::seccomp\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
