// Supervisor: the notification loop, answering every notification exactly once.
#pragma once

#include <poll.h>

#include <vector>

#include "roar/seccomp/notify/listener.hpp"
#include "roar/seccomp/notify/nested_run_socket.hpp"
#include "roar/seccomp/notify/notification_handler.hpp"
#include "roar/seccomp/proc/proc_context.hpp"
#include "roar/seccomp/proc/process_watcher.hpp"
#include "roar/seccomp/util/logger.hpp"

namespace roar::seccomp {

class Supervisor {
 public:
  // `proc` looks at the traced threads; `stop_fd` is an eventfd the run writes to when the tree
  // is gone; `watcher` (may be null) reports processes that
  // exited; `nested_runs` (may be null) serves nested runs.
  Supervisor(Listener& listener, NotificationHandler& handler, EpollProcessWatcher* watcher,
             NestedRunServer* nested_runs, ProcContext& proc, int stop_fd,
             const Logger& log) noexcept
      : listener_(listener),
        handler_(handler),
        watcher_(watcher),
        nested_run_server_(nested_runs),
        proc_(proc),
        stop_fd_(stop_fd),
        log_(log) {}

  // Serves notifications until stop_fd is readable or no task uses the filter any more.
  void run() noexcept;

 private:
  void serve_one() noexcept;
  void drain_exits() noexcept;
  void serve_nested_runs(const std::vector<pollfd>& fds) noexcept;

  Listener& listener_;
  NotificationHandler& handler_;
  EpollProcessWatcher* watcher_;
  NestedRunServer* nested_run_server_;
  ProcContext& proc_;
  int stop_fd_;
  const Logger& log_;
};

}  // namespace roar::seccomp
