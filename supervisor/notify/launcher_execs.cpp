// LauncherExecs: matching an execve against the launchers' own, until each program runs.
#include "roar/seccomp/notify/launcher_execs.hpp"

#include <algorithm>

namespace roar::seccomp {

void LauncherExecs::remove(int pid) {
  std::erase_if(launches_, [pid](const Launch& l) { return l.exec.pid == pid; });
}

bool LauncherExecs::is_launcher_exec(const Notification& n) const {
  return std::any_of(launches_.begin(), launches_.end(), [&n](const Launch& launch) {
    return !launch.running && n.tid == launch.exec.pid &&
           (n.args[1] == launch.exec.argv || n.args[1] == launch.exec.argv_fallback) &&
           n.args[2] == launch.exec.envp;
  });
}

void LauncherExecs::program_ran(std::optional<int> pid) {
  for (Launch& launch : launches_) {
    launch.running = launch.running || pid == launch.exec.pid;
  }
}

}  // namespace roar::seccomp
