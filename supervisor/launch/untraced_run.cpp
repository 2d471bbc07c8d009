// UntracedRun: releasing the command, and the report of a run nobody traced.
#include "roar/seccomp/launch/untraced_run.hpp"

#include "roar/seccomp/attribution/run_record.hpp"
#include "roar/seccomp/attribution/run_report.hpp"
#include "roar/seccomp/launch/launcher.hpp"

namespace roar::seccomp {

Result<UntracedRun> UntracedRun::start(int control, RunRoot root, std::string cause) {
  const Status released = run_untraced(control);
  if (!released) {
    return released.error();
  }
  return UntracedRun(std::move(root), std::move(cause));
}

Report UntracedRun::report() const {
  RunRecord record;
  root_.add_to(record.processes);
  record.warnings.add("not traced: " + cause_ +
                      "; this report lists the command but none of its processes or files");
  Report report = build_report(record, root_.start_time, unix_now());
  report.complete = false;
  return report;
}

}  // namespace roar::seccomp
