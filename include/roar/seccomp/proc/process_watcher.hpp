// ProcessWatcher: learns when a process of the tree has exited, even when it never said so.
#pragma once

#include <unordered_map>
#include <vector>

#include "roar/seccomp/util/error.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

// Processes killed by a signal make no exit call we could see, and once reaped their pid may be
// reused. A pidfd names one incarnation of a process and becomes readable when it exits, so
// caches keyed by pid stay valid exactly as long as the process is watched.
class ProcessWatcher {
 public:
  virtual ~ProcessWatcher() = default;
  // Starts watching `pid` through `pidfd`; false if it cannot (then nothing about the process
  // may be cached).
  virtual bool watch(int pid, UniqueFd pidfd) = 0;
  virtual void unwatch(int pid) = 0;
};

// The real watcher: pidfds in an epoll set that the supervisor's loop polls.
class EpollProcessWatcher final : public ProcessWatcher {
 public:
  static Result<EpollProcessWatcher> create();

  bool watch(int pid, UniqueFd pidfd) override;
  void unwatch(int pid) override;

  // Readable when a watched process has exited.
  [[nodiscard]] int fd() const noexcept { return epoll_.get(); }
  // Watched processes that have exited since the last call; they are no longer watched.
  std::vector<int> exited();

 private:
  explicit EpollProcessWatcher(UniqueFd epoll) : epoll_(std::move(epoll)) {}
  UniqueFd epoll_;
  std::unordered_map<int, UniqueFd> watched_;  // pid -> pidfd
};

}  // namespace roar::seccomp
