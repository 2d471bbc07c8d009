// Launcher: forks the command with the filter installed and hands its listener to the tracer.
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "roar/seccomp/filters/filter_builder.hpp"
#include "roar/seccomp/notify/notification_handler.hpp"
#include "roar/seccomp/util/error.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

struct LaunchRequest {
  std::vector<std::string> command;  // argv; command[0] is looked up on PATH like execvp
  const BpfProgram* filter = nullptr;
  sigset_t command_mask{};   // the signal mask the command starts with: the tracer's caller's
  bool no_new_privs = true;  // required to install a filter without CAP_SYS_ADMIN
  // The fast path's preload library: put first in LD_PRELOAD of a command traced by this run's
  // own filter (not of one run untraced, or traced by an outer run).
  std::optional<std::string> preload;
  // The descriptor limit the command starts with, where the tracer raised its own: the caller's.
  std::optional<rlimit> command_nofile;
};

struct LaunchedChild {
  pid_t pid = -1;
  // The child's reports: first the listener (or why it could not install the filter), then the
  // errno of a failed exec; end of file once the exec succeeded (the socket is close-on-exec).
  UniqueFd control;
  LauncherExec exec;             // as the command execs under this run's own filter
  std::uint64_t plain_envp = 0;  // the environment it execs with otherwise (the tracer's own)
};

// Forks the child. The child restores the caller's signal mask, asks to be killed when the
// tracer dies, sets no_new_privs, installs the filter with a new listener, passes it over
// `control` with sendmsg (never a notified call, or child and tracer would wait on each other),
// and execs the command.
Result<LaunchedChild> launch(const LaunchRequest& request);

// Why the child could not start tracing, when it could not.
enum class LaunchStage : int { kSetup = 1, kFilter = 2, kListener = 3, kExec = 4 };

struct ChildReport {
  LaunchStage stage;
  int error;          // errno of the failed step (0 with kListener)
  UniqueFd listener;  // with kListener
};

// Blocking read of the next report; nullopt at end of file (the exec succeeded or the child
// died without reporting).
Result<std::optional<ChildReport>> read_child_report(int control);

// After a kFilter report the child waits: this lets it exec without a filter of ours (it is
// still under whatever filters it inherited). Closing `control` instead makes it exit 125.
Status run_untraced(int control);

// True if this process may install a filter without no_new_privs (CAP_SYS_ADMIN).
bool has_cap_sys_admin() noexcept;

}  // namespace roar::seccomp
