// --preflight: can this machine trace, and does the command resolve? (roar's readiness protocol)
#pragma once

#include <string>
#include <vector>

#include "roar/seccomp/launch/cli.hpp"
#include "roar/seccomp/util/logger.hpp"

namespace roar::seccomp {

struct PreflightCheck {
  std::string name;
  bool ok = false;
  std::string detail;
};

struct PreflightResult {
  bool ok = false;
  std::string summary;
  std::string command_checked;  // empty: no --command
  std::vector<std::string> warnings;
  std::vector<PreflightCheck> checks;
};

// The exact JSON object roar parses: backend, ok, summary, command_checked, warnings, checks.
std::string to_json(const PreflightResult& result);

// Runs the checks, prints the result (JSON with --json) and returns 0 if ok, else 1.
int run_preflight(const Options& options, const Logger& log);

}  // namespace roar::seccomp
