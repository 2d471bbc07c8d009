// roar-seccomp's entry point: parse the command line, then trace or run the preflight checks.
#include <string>
#include <vector>

#include "roar/seccomp/launch/cli.hpp"
#include "roar/seccomp/launch/preflight.hpp"
#include "roar/seccomp/launch/run.hpp"

int main(int argc, char** argv) {
  using namespace roar::seccomp;
  const std::vector<std::string> args(argv + 1, argv + argc);
  const ParsedCommandLine parsed = parse_command_line(args);
  if (parsed.exit_code) {
    return *parsed.exit_code;
  }
  const Logger log(parsed.options.log_level());
  if (parsed.options.preflight) {
    return run_preflight(parsed.options, log);
  }
  return run_traced(parsed.options, log);
}
