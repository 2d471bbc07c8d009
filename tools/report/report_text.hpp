// Text helpers of the report views: terminal-safe escaping of byte strings, hex, path prefixes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace roar::seccomp {

// One line of safe text: printable ASCII and printable UTF-8 as they are, a backslash doubled,
// every other byte as \xNN, so that distinct byte strings stay distinct and none is broken.
std::string printable(std::string_view bytes);

// An argv as one line: printable() arguments separated by spaces; empty for an empty argv.
std::string printable_command(const std::vector<std::string>& argv);

// At most `max_chars` characters of printable() text, never cutting a character or an escape;
// a cut text ends with "...".
std::string shorten(std::string_view printable_text, std::size_t max_chars);

// Unix seconds as 2024-01-02T03:04:05.123456Z; "?" for a time no report can hold.
std::string iso8601_utc(double unix_seconds);
// A duration as "1.234 s"; "?" when not finite or absurd.
std::string seconds_text(double seconds);

// Lowercase hex of every byte.
std::string hex_bytes(std::string_view bytes);

// True if `path` is `dir` or lies below it, comparing whole components bytewise ("/a/b" is not
// under "/a/bc"). Trailing slashes of `dir` do not matter.
bool is_under(std::string_view path, std::string_view dir);

}  // namespace roar::seccomp
