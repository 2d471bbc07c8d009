// TracingMode: how a run traces its command (a listener of its own, through an outer
// roar-seccomp, or not at all), settled when the launched child says whether its filter went in.
#pragma once

#include <signal.h>
#include <sys/resource.h>

#include <optional>
#include <variant>
#include <vector>

#include "roar/seccomp/filters/filter_builder.hpp"
#include "roar/seccomp/filters/syscall_index.hpp"
#include "roar/seccomp/launch/cli.hpp"
#include "roar/seccomp/launch/launcher.hpp"
#include "roar/seccomp/launch/nested_tracing.hpp"
#include "roar/seccomp/launch/own_tracing.hpp"
#include "roar/seccomp/launch/untraced_run.hpp"
#include "roar/seccomp/proc/proc_context.hpp"
#include "roar/seccomp/util/logger.hpp"

namespace roar::seccomp {

// Each alternative has a report() to call once the tree is reaped.
using TracingMode = std::variant<OwnTracing, NestedTracing, UntracedRun>;

// What tracing needs that can fail before anything is launched: the traced calls on this
// machine, the filter built from them, and the view of /proc.
struct TracingSetup {
  std::vector<ResolvedSyscall> syscalls;
  BpfProgram filter;
  ProcContext proc;
  // The fast path's preload library, when it is on and found (the filter then lets its stub's
  // calls through).
  std::optional<std::string> fast_path_library;

  // nullopt after saying what failed.
  static std::optional<TracingSetup> prepare(const Options& options, const Logger& log);
};

// The command, launched and waiting or running, and how it is traced.
struct LaunchedRun {
  LaunchedChild child;
  TracingMode mode;
};

// What the tracer changed for itself, which the command gets back as the caller had it.
struct CallerSettings {
  sigset_t signal_mask{};
  std::optional<rlimit> descriptor_limit;  // nullopt: not changed
};

// Launches options.command with the filter (without it where tracing_impossible_here says it
// cannot work) and starts the mode the child's first report allows: own tracing with the
// listener it sent; else, when another listener holds the process (EBUSY), tracing by an outer
// roar-seccomp; else untraced if --if-untraceable run says so. nullopt after saying why the run
// cannot go on (exit 125); the command never ran. `setup` must outlive the run.
std::optional<LaunchedRun> launch_traced(const Options& options, TracingSetup& setup,
                                         const CallerSettings& caller, double start_time,
                                         const Logger& log);

}  // namespace roar::seccomp
