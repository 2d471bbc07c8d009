// TreeWaiter: the launcher process's main thread from the launch to the last reaped process. It
// reaps, passes signals on, learns from the launched child whether its exec failed, and bounds
// the wait for background processes (BackgroundWait).
#pragma once

#include <signal.h>

#include <optional>
#include <string>
#include <vector>

#include "roar/seccomp/launch/cli.hpp"
#include "roar/seccomp/launch/process_tree.hpp"
#include "roar/seccomp/util/error.hpp"
#include "roar/seccomp/util/logger.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

// What waiting for the tree learnt.
struct TreeOutcome {
  std::optional<int> exec_error;      // errno of the command's failed exec
  std::vector<std::string> warnings;  // for the report
};

class TreeWaiter {
 public:
  // Blocks the signals the tracer handles itself and returns the caller's mask, which the
  // command gets back before its exec. A run does this before anything else: a signal that
  // arrives while the run is set up is then passed on to the command once it runs, instead of
  // killing the tracer before it could write a report.
  static sigset_t block_signals();

  // Reads the blocked signals through a signalfd and makes this process a child subreaper: the
  // tree's orphans are re-parented to it, so every descendant is waited for, and stays its
  // descendant for /proc access under Yama.
  static Result<TreeWaiter> create();

  // Returns once no descendant is left. `control` is the launched child's control socket: it
  // says whether the exec failed, and ends when it succeeded.
  TreeOutcome wait(ProcessTree& tree, UniqueFd control, const Options& options, const Logger& log);

 private:
  explicit TreeWaiter(UniqueFd signals) noexcept : signals_(std::move(signals)) {}

  UniqueFd signals_;  // a signalfd
};

}  // namespace roar::seccomp
