// FakeProcessWatcher: a ProcessWatcher that accepts (or refuses) every pidfd and remembers pids.
#pragma once

#include <set>
#include <utility>

#include "roar/seccomp/proc/process_watcher.hpp"

namespace roar::seccomp {

class FakeProcessWatcher final : public ProcessWatcher {
 public:
  bool accept = true;  // false: as if epoll refused the pidfd
  std::set<int> watched;

  bool watch(int pid, UniqueFd pidfd) override {
    if (!accept || !pidfd) {
      return false;
    }
    watched.insert(pid);
    return true;
  }
  void unwatch(int pid) override { watched.erase(pid); }
};

}  // namespace roar::seccomp
