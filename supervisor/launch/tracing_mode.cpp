// TracingMode: the setup before the launch, the launch, and the choice of mode.
#include "roar/seccomp/launch/tracing_mode.hpp"

#include <sys/wait.h>

#include <cstring>
#include <string>

#include "roar/seccomp/filters/syscall_table.hpp"
#include "roar/seccomp/launch/diagnostics.hpp"
#include "roar/seccomp/launch/fast_path_library.hpp"

namespace roar::seccomp {
namespace {

// The run cannot go on: the child, still before its exec, is killed and reaped.
void give_up_on(const LaunchedChild& child) {
  kill(child.pid, SIGKILL);
  waitpid(child.pid, nullptr, __WALL);
}

std::optional<TracingMode> start_mode(const Options& options, TracingSetup& setup,
                                      LaunchedChild& child,
                                      const std::optional<std::string>& impossible,
                                      const RunRoot& root, const Logger& log) {
  Result<std::optional<ChildReport>> first = read_child_report(child.control.get());
  if (!first || !first->has_value()) {
    log.error("cannot trace: the command's process ended before tracing started");
    give_up_on(child);
    return std::nullopt;
  }
  ChildReport& report = **first;
  if (report.stage == LaunchStage::kListener && report.listener) {
    Result<OwnTracing> own = OwnTracing::start(
        std::move(report.listener), root, child.exec, options.allow_io_uring,
        setup.fast_path_library, options.supervisor_threads(), setup.syscalls, setup.proc, log);
    if (!own) {
      log.error("%s", own.error().what());
      return std::nullopt;
    }
    return TracingMode(std::move(own.value()));
  }
  if (report.stage != LaunchStage::kFilter) {
    log.error("cannot trace: setting up the command failed: %s", std::strerror(report.error));
    give_up_on(child);
    return std::nullopt;
  }
  // No listener of our own. Inside another roar-seccomp the outer run reports for us; anywhere
  // else the command runs untraced if --if-untraceable run says so. Either way it execs with the
  // tracer's own environment.
  child.exec.envp = child.plain_envp;
  const std::string cause = impossible ? *impossible : explain_filter_error(report.error);
  if (report.error == EBUSY) {
    if (std::optional<NestedTracing> nested = NestedTracing::start(
            setup.proc.proc_dir(), child.control.get(), child.exec, root, log)) {
      return TracingMode(std::move(*nested));
    }
  }
  if (options.if_untraceable != "run") {
    log.error("cannot trace: %s; run it with --if-untraceable run to run it untraced",
              cause.c_str());
    give_up_on(child);
    return std::nullopt;
  }
  log.warn("cannot trace, running the command untraced: %s", cause.c_str());
  Result<UntracedRun> untraced = UntracedRun::start(child.control.get(), root, cause);
  if (!untraced) {
    give_up_on(child);
    return std::nullopt;
  }
  return TracingMode(std::move(untraced.value()));
}

}  // namespace

std::optional<TracingSetup> TracingSetup::prepare(const Options& options, const Logger& log) {
  std::vector<ResolvedSyscall> syscalls = resolve_table(traced_syscalls());
  std::optional<std::string> library;
  if (options.fast_path == "on") {
    library = find_fast_path_library();
    if (!library) {
      log.info("fast path off: no %s beside this executable", kFastPathLibraryName);
    }
  }
  Result<BpfProgram> filter =
      build_filter(syscalls, FilterOptions{.fast_path_stub = library.has_value()});
  if (!filter) {
    log.error("%s", filter.error().what());
    return std::nullopt;
  }
  Result<ProcContext> proc = ProcContext::open(ViewCapabilities::from_environment());
  if (!proc) {
    log.error("%s", proc.error().what());
    return std::nullopt;
  }
  if (!proc->pids().identity()) {
    log.info("/proc shows another pid namespace: translating pids");
  }
  return TracingSetup{std::move(syscalls), std::move(filter.value()), std::move(proc.value()),
                      std::move(library)};
}

std::optional<LaunchedRun> launch_traced(const Options& options, TracingSetup& setup,
                                         const CallerSettings& caller, double start_time,
                                         const Logger& log) {
  const std::optional<std::string> impossible = tracing_impossible_here(setup.proc.proc_dir());
  const LaunchRequest request{options.command,         impossible ? nullptr : &setup.filter,
                              caller.signal_mask,      !has_cap_sys_admin(),
                              setup.fast_path_library, caller.descriptor_limit};
  Result<LaunchedChild> launched = launch(request);
  if (!launched) {
    log.error("%s", launched.error().what());
    return std::nullopt;
  }
  LaunchedChild& child = launched.value();
  const RunRoot root{child.pid, options.command, start_time};
  std::optional<TracingMode> mode = start_mode(options, setup, child, impossible, root, log);
  if (!mode) {
    return std::nullopt;
  }
  return LaunchedRun{std::move(child), std::move(*mode)};
}

}  // namespace roar::seccomp
