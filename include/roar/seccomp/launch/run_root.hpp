// RunRoot: the command at the root of a run as every mode's report names it, and the clock of
// the report's times.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "roar/seccomp/attribution/process_table.hpp"

namespace roar::seccomp {

// Unix seconds, as a report's start_time and end_time.
double unix_now();

struct RunRoot {
  pid_t pid = -1;
  std::vector<std::string> command;  // argv as given
  double start_time = 0;             // taken before the fork

  // Adds the root to `processes`: its argv as given, and the environment it inherited, which is
  // the tracer's own.
  void add_to(ProcessTable& processes) const;
};

}  // namespace roar::seccomp
