// A traced run from start to report: launch, supervise, wait for the whole tree, write.
#pragma once

#include "roar/seccomp/launch/cli.hpp"
#include "roar/seccomp/util/logger.hpp"

namespace roar::seccomp {

// Runs options.command under the tracer and writes options.report. Returns the exit code the
// tracer should exit with (see exit_status.hpp).
int run_traced(const Options& options, const Logger& log);

}  // namespace roar::seccomp
