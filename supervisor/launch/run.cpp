// run_traced: the order of a run. The launcher process's main thread owns signals and reaping;
// in own tracing a second thread answers notifications, so that waiting here never delays a
// traced call.
#include "roar/seccomp/launch/run.hpp"

#include <variant>

#include "roar/seccomp/attribution/preload_environment.hpp"
#include "roar/seccomp/launch/descriptor_limit.hpp"
#include "roar/seccomp/launch/exit_status.hpp"
#include "roar/seccomp/launch/process_tree.hpp"
#include "roar/seccomp/launch/report_writer.hpp"
#include "roar/seccomp/launch/run_root.hpp"
#include "roar/seccomp/launch/tracing_mode.hpp"
#include "roar/seccomp/launch/tree_waiter.hpp"

namespace roar::seccomp {

int run_traced(const Options& options, const Logger& log) {
  const double start_time = unix_now();
  // First, so that no signal is lost while the rest is set up.
  CallerSettings caller;
  caller.signal_mask = TreeWaiter::block_signals();
  // Before /proc is opened: how many descriptors the tracer may keep follows from it.
  caller.descriptor_limit = raise_own_descriptor_limit();
  const Result<ReportWriter> writer = ReportWriter::open(options.report);
  if (!writer) {
    log.error("cannot write the report %s: %s; choose a writable path", options.report.c_str(),
              writer.error().what());
    return kExitTracerFailed;
  }
  std::optional<TracingSetup> setup = TracingSetup::prepare(options, log);
  if (!setup) {
    return kExitTracerFailed;
  }
  Result<TreeWaiter> waiter = TreeWaiter::create();
  if (!waiter) {
    log.error("%s", waiter.error().what());
    return kExitTracerFailed;
  }
  // Once this returns the command may run: in own tracing the supervisor thread has started,
  // and the command's exec waited for its answer.
  std::optional<LaunchedRun> run = launch_traced(options, *setup, caller, start_time, log);
  if (!run) {
    return kExitTracerFailed;
  }
  ProcessTree tree(setup->proc, run->child.pid);
  TreeOutcome outcome = waiter->wait(tree, std::move(run->child.control), options, log);
  // Only now, with every process reaped, may own tracing stop its supervisor thread.
  Report report = std::visit([](auto& mode) { return mode.report(); }, run->mode);
  report.warnings.insert(report.warnings.end(), outcome.warnings.begin(), outcome.warnings.end());
  if (setup->fast_path_library) {
    remove_preload(report, *setup->fast_path_library);  // the environment the user gave
  }
  writer->write(report, log);
  return exit_code_of_run(outcome.exec_error, tree.root_status());
}

}  // namespace roar::seccomp
