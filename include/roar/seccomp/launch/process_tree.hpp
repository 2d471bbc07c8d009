// ProcessTree: the traced tree as the tracer (its child subreaper) sees it: the root, every
// descendant still alive, and reaping.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

#include "roar/seccomp/proc/proc_context.hpp"

namespace roar::seccomp {

class ProcessTree {
 public:
  ProcessTree(ProcContext& proc, pid_t root) noexcept : proc_(proc), root_(root) {}

  // Reaps every child that has exited: the root, and orphans re-parented to the tracer.
  void reap();

  [[nodiscard]] pid_t root() const noexcept { return root_; }
  // The root's wait status once it has been reaped.
  [[nodiscard]] const std::optional<int>& root_status() const noexcept { return root_status_; }
  // True once no descendant is left (waitpid reports ECHILD).
  [[nodiscard]] bool empty() const noexcept { return empty_; }

  // Every live descendant of the tracer, found through /proc/<pid>/task/*/children.
  [[nodiscard]] std::vector<pid_t> descendants() const;
  // Sends `sig` to every live descendant; returns how many there were.
  std::size_t signal_all(int sig) const;

 private:
  ProcContext& proc_;
  pid_t root_;
  std::optional<int> root_status_;
  bool empty_ = false;
};

}  // namespace roar::seccomp
