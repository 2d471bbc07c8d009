// Supervisor: the notification loop, answering every notification exactly once.
#pragma once

#include <poll.h>

#include <atomic>
#include <mutex>
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
  // `workers` threads (at least one) receive notifications at once; run()'s own thread watches
  // the control descriptors.
  Supervisor(Listener& listener, NotificationHandler& handler, EpollProcessWatcher* watcher,
             NestedRunServer* nested_runs, ProcContext& proc, int stop_fd, unsigned workers,
             const Logger& log) noexcept
      : listener_(listener),
        handler_(handler),
        watcher_(watcher),
        nested_run_server_(nested_runs),
        proc_(proc),
        stop_fd_(stop_fd),
        workers_(workers),
        log_(log) {}

  // Serves notifications until stop_fd is readable (the tree is reaped).
  void run() noexcept;

 private:
  enum : std::size_t { kStop, kExits, kNestedRuns };

  void work() noexcept;
  void serve(Listener::Channel& channel, const Notification& n) noexcept;
  void drain_exits() noexcept;
  void serve_nested_runs(const std::vector<pollfd>& fds, std::size_t first) noexcept;
  [[nodiscard]] std::vector<pollfd> poll_set() const;

  Listener& listener_;
  NotificationHandler& handler_;
  EpollProcessWatcher* watcher_;
  NestedRunServer* nested_run_server_;
  ProcContext& proc_;
  int stop_fd_;
  unsigned workers_;
  const Logger& log_;
  // The handler's state, the watcher and the nested runs.
  std::mutex state_;
  std::atomic<bool> stopping_{false};
};

}  // namespace roar::seccomp
