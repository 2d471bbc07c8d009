// NestedTracing: inside another roar-seccomp the kernel refuses a second listener (EBUSY), so
// the outer run, which sees every call of this one's command anyway, logs the command's subtree
// and hands its report back at the end.
#pragma once

#include <optional>

#include "roar/seccomp/launch/run_root.hpp"
#include "roar/seccomp/launch/untraced_run.hpp"
#include "roar/seccomp/notify/nested_run_socket.hpp"
#include "roar/seccomp/report/report.hpp"
#include "roar/seccomp/util/logger.hpp"

namespace roar::seccomp {

class NestedTracing {
 public:
  // Asks the closest outer roar-seccomp to log the subtree of the launched command (`exec`) and
  // lets the command, waiting on `control`, exec. nullopt when there is no outer run, or when it
  // cannot report for this one (said as a warning).
  static std::optional<NestedTracing> start(int proc_dir, int control, const LauncherExec& exec,
                                            RunRoot root, const Logger& log);

  // Once the tree is gone: the subtree's report as the outer run saw it, or, if it sent none,
  // an untraced run's report that says so.
  [[nodiscard]] Report report();

 private:
  NestedTracing(NestedRunClient outer, RunRoot root, const Logger& log);

  NestedRunClient outer_;
  UntracedRun fallback_;
  const Logger* log_;
};

}  // namespace roar::seccomp
