// ProcessTree: reaping and enumerating the traced tree.
#include "roar/seccomp/launch/process_tree.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace roar::seccomp {

void ProcessTree::reap() {
  for (;;) {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG | __WALL);
    if (pid > 0) {
      if (pid == root_) {
        root_status_ = status;
      }
      continue;
    }
    if (pid < 0 && errno == EINTR) {
      continue;
    }
    // As a child subreaper we inherit every orphan before its parent is reaped, so "no child
    // left" means no descendant is left.
    if (pid < 0 && errno == ECHILD) {
      empty_ = true;
    }
    return;
  }
}

std::vector<pid_t> ProcessTree::descendants() const {
  std::vector<pid_t> out;
  ProcTraceeView view = proc_.view(0);
  std::vector<pid_t> frontier = view.children(getpid());
  while (!frontier.empty()) {
    const pid_t pid = frontier.back();
    frontier.pop_back();
    out.push_back(pid);
    for (const pid_t child : view.children(pid)) {
      frontier.push_back(child);
    }
  }
  return out;
}

std::size_t ProcessTree::signal_all(int sig) const {
  const std::vector<pid_t> pids = descendants();
  for (const pid_t pid : pids) {
    kill(pid, sig);
  }
  return pids.size();
}

}  // namespace roar::seccomp
