// NestedTracing: registering with the outer run, and its report of the subtree.
#include "roar/seccomp/launch/nested_tracing.hpp"

#include "roar/seccomp/launch/launcher.hpp"

namespace roar::seccomp {

NestedTracing::NestedTracing(NestedRunClient outer, RunRoot root, const Logger& log)
    : outer_(std::move(outer)),
      fallback_(std::move(root), "the outer roar-seccomp that traced this run sent no report"),
      log_(&log) {}

std::optional<NestedTracing> NestedTracing::start(int proc_dir, int control,
                                                  const LauncherExec& exec, RunRoot root,
                                                  const Logger& log) {
  Result<NestedRunClient> outer = NestedRunClient::connect_to_outer(proc_dir);
  if (!outer) {
    return std::nullopt;
  }
  const Status registered = outer->register_command(exec, root.start_time);
  if (registered && run_untraced(control)) {
    log.info("traced by the outer roar-seccomp (pid %d)", outer->outer_pid());
    return NestedTracing(std::move(outer.value()), std::move(root), log);
  }
  log.warn("the outer roar-seccomp (pid %d) cannot report for this run: %s", outer->outer_pid(),
           registered ? "" : registered.error().what());
  return std::nullopt;
}

Report NestedTracing::report() {
  Result<std::string> bytes = outer_.finish(unix_now());
  Result<Report> report = bytes ? decode_report(*bytes) : Result<Report>(bytes.error());
  if (report) {
    return std::move(report.value());
  }
  log_->warn("the outer roar-seccomp sent no report: %s", report.error().what());
  return fallback_.report();
}

}  // namespace roar::seccomp
