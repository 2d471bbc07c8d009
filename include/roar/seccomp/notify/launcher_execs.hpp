// LauncherExecs: which execve is a launcher's exec of its command rather than the program's own.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "roar/seccomp/notify/notification.hpp"

namespace roar::seccomp {

// The launcher's own execve of the command: its argv and envp pointers in the child's memory.
// Until the program runs, execs of the root with exactly these pointers are the launcher's, so
// they do not replace the command as the user gave it (a script keeps its name, not its
// interpreter's).
struct LauncherExec {
  int pid = 0;
  std::uint64_t argv = 0;
  std::uint64_t argv_fallback = 0;  // ["/bin/sh", file, args...] for a file without #! (ENOEXEC)
  std::uint64_t envp = 0;
};

// The launchers' execs of the run's own command and of each nested run's.
class LauncherExecs {
 public:
  explicit LauncherExecs(const LauncherExec& run_command) : launches_{{run_command, false}} {}

  // A nested run's command, forked and not yet exec'd.
  void add(const LauncherExec& exec) { launches_.push_back({exec, false}); }
  // The nested run whose command is `pid` is over.
  void remove(int pid);

  [[nodiscard]] bool is_launcher_exec(const Notification& n) const;
  // Process `pid` made a call other than its launcher's exec: its program runs, and its later
  // execs are its own even with the same pointers.
  void program_ran(std::optional<int> pid);

 private:
  struct Launch {
    LauncherExec exec;
    bool running = false;
  };
  std::vector<Launch> launches_;
};

}  // namespace roar::seccomp
