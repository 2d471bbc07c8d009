// ProcPids: translation between the tracer's pid namespace and the one /proc shows.
#pragma once

#include <optional>

namespace roar::seccomp {

// Notifications, waitpid and kill speak the tracer's pid namespace. /proc usually does too, but
// a sandbox may give the tracer a new pid namespace and keep the host's /proc (bwrap
// --unshare-pid without --proc): /proc/PID then names another process. ProcPids detects that
// and translates: a pidfd's fdinfo shows its pid as /proc's namespace sees it, and
// /proc/PID/status's NSpid line shows a pid in every namespace down to the process's own.
class ProcPids {
 public:
  static ProcPids detect(int proc_dir);

  // True when /proc shows the tracer's own namespace: no translation needed (the usual case).
  [[nodiscard]] bool identity() const noexcept { return level_ < 0; }
  // False when /proc shows another namespace and translating fails (no pidfd fdinfo Pid line).
  [[nodiscard]] bool usable() const noexcept { return usable_; }

  // The /proc pid of `pid` (a thread id works too, on Linux 6.9+ for non-leaders).
  [[nodiscard]] std::optional<int> to_proc(int pid) const;
  // The tracer-namespace pid of a pid that /proc shows.
  [[nodiscard]] std::optional<int> from_proc(int proc_pid) const;

 private:
  ProcPids(int proc_dir, int level, bool usable) noexcept
      : proc_dir_(proc_dir), level_(level), usable_(usable) {}
  int proc_dir_;
  int level_;  // index of the tracer's namespace in NSpid lines, -1 when /proc is its own
  bool usable_;
};

}  // namespace roar::seccomp
