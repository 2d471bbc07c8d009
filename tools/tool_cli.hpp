// Command-line parsing shared by the tools: CLI11 over argv, usage errors exit 2.
#pragma once

#include <CLI/CLI.hpp>
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace roar::seccomp {

inline constexpr int kExitBadFlags = 2;  // usage error

// Parses argv into `app`: nullopt to go on, else the status to exit with (0 after --help).
inline std::optional<int> parse_tool_args(CLI::App& app, int argc, char** argv) {
  // CLI11 takes a vector in reverse order. Its argv overload is avoided: with GCC 12 at -O2 it
  // trips a false -Wnull-dereference inside CLI::detail::split.
  std::vector<std::string> args(argv + 1, argv + argc);
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitBadFlags;
  }
  return std::nullopt;
}

}  // namespace roar::seccomp
