// EpollProcessWatcher: pidfds (Linux 5.3) in an epoll set.
#include "roar/seccomp/proc/process_watcher.hpp"

#include <sys/epoll.h>

namespace roar::seccomp {

Result<EpollProcessWatcher> EpollProcessWatcher::create() {
  UniqueFd epoll(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll) {
    return Error::from_errno("epoll_create1");
  }
  return EpollProcessWatcher(std::move(epoll));
}

bool EpollProcessWatcher::watch(int pid, UniqueFd pidfd) {
  if (!pidfd) {
    return false;
  }
  unwatch(pid);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = pid;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, pidfd.get(), &ev) != 0) {
    return false;
  }
  watched_.emplace(pid, std::move(pidfd));
  return true;
}

void EpollProcessWatcher::unwatch(int pid) {
  // Closing the pidfd removes it from the epoll set.
  watched_.erase(pid);
}

std::vector<int> EpollProcessWatcher::exited() {
  std::vector<int> out;
  epoll_event events[64];
  for (;;) {
    const int n = epoll_wait(epoll_.get(), events, 64, 0);
    if (n <= 0) {
      return out;
    }
    for (int i = 0; i < n; ++i) {
      out.push_back(events[i].data.fd);
      unwatch(events[i].data.fd);
    }
    if (n < 64) {
      return out;
    }
  }
}

}  // namespace roar::seccomp
