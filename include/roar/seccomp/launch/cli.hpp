// Command line: `roar-seccomp [OPTIONS] REPORT [--] CMD [ARGS...]`, roar's form without `--`,
// and `--preflight [--json] [--command CMD]`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "roar/seccomp/util/logger.hpp"

namespace CLI {
class App;
}

namespace roar::seccomp {

struct Options {
  std::string report;
  std::vector<std::string> command;
  bool preflight = false;
  bool json = false;
  std::string preflight_command;  // --command; empty when not given
  int verbose = 0;
  bool quiet = false;
  bool allow_io_uring = false;
  std::optional<double> wait_timeout;   // seconds to wait for background processes; none: forever
  std::string if_untraceable = "fail";  // "fail" (exit 125) or "run" (untraced, incomplete report)
  std::string fast_path = "on";         // "on" (the preload library, where it can load) or "off"
  unsigned threads = 0;  // threads receiving notifications; 0: the online CPUs but one, 1 to 8

  // The number of threads to receive notifications with.
  [[nodiscard]] unsigned supervisor_threads() const noexcept;

  [[nodiscard]] LogLevel log_level() const noexcept;
};

// Registers every option on `app` (tests build an App and parse argument vectors with it).
void add_options(CLI::App& app, Options& options);

// The outcome of parsing: either options to run with, or an exit code (after --help, --version
// or an error, whose text has been printed).
struct ParsedCommandLine {
  Options options;
  std::optional<int> exit_code;
};

// `args` excludes the program name. Everything after REPORT (after one optional `--`) is the
// command verbatim, even when it starts with '-'.
ParsedCommandLine parse_command_line(const std::vector<std::string>& args);

}  // namespace roar::seccomp
