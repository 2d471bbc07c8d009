// Minimal JSON text output for --preflight --json and the report printer.
#pragma once

#include <string>
#include <string_view>

namespace roar::seccomp {

// `s` as a JSON string literal, quotes included. Bytes that are not UTF-8 become U+FFFD.
std::string json_quote(std::string_view s);

}  // namespace roar::seccomp
