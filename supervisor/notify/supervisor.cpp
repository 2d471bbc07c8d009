// Supervisor: receive -> read /proc -> ID_VALID -> answer -> record, for every notification.
#include "roar/seccomp/notify/supervisor.hpp"

#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace roar::seccomp {
namespace {

// The signal that wakes a worker blocked in NOTIF_RECV when the run is over (older kernels keep
// it waiting once no task uses the filter). Its handler does nothing: the interruption is all.
constexpr int kWakeSignal = SIGURG;

void on_wake(int /*signal*/) {}

}  // namespace

// Prepares, checks, records and answers one notification. The control thread and the other
// workers share the handler's state, so all of it happens under state_, and the records are made
// before the answer: the next notification of the same thread, which another worker may
// receive, must find them, and an exit the control thread drains must come after them.
void Supervisor::serve(Listener::Channel& channel, const Notification& n) noexcept {
  int error = 0;
  bool answered_here = false;
  {
    const std::lock_guard<std::mutex> lock(state_);
    drain_exits();  // exits first: a pid that exited may be this caller's, reused
    CallFindings found;
    bool prepared = true;
    try {
      ProcTraceeView view = proc_.view(n.tid);
      found = handler_.prepare(n, view);
    } catch (const std::exception& e) {
      // Nothing may keep a traced thread waiting: answer even if attribution failed.
      log_.error("attributing a system call failed: %s", e.what());
      handler_.failed(n.tid, e.what());
      prepared = false;
    }
    error = found.error;
    answered_here = found.answered_here;
    // Reads above are trusted only if the thread is still in this very call: otherwise its tid
    // may have been reused, or a signal abandoned the call (a restart notifies again). A call
    // with nothing to record needs no check.
    if (prepared && (found.nothing_to_record() || listener_.id_valid(n.id))) {
      try {
        handler_.before_answer(found);
        handler_.commit(std::move(found));
      } catch (const std::exception& e) {
        log_.error("recording a system call failed: %s", e.what());
        handler_.failed(n.tid, e.what());
      }
    }
  }
  const Status answered = error != 0      ? listener_.respond_error(channel, n.id, error)
                          : answered_here ? listener_.respond_success(channel, n.id)
                                          : listener_.respond_continue(channel, n.id);
  if (!answered) {
    log_.error("%s", answered.error().what());
  }
}

void Supervisor::drain_exits() noexcept {
  if (watcher_ == nullptr) {
    return;
  }
  try {
    for (const int pid : watcher_->exited()) {
      handler_.process_gone(pid);
    }
  } catch (const std::exception& e) {
    log_.error("recording a process exit failed: %s", e.what());
    handler_.failed(0, e.what());
  }
}

void Supervisor::serve_nested_runs(const std::vector<pollfd>& fds, std::size_t first) noexcept {
  try {
    if ((fds[first].revents & POLLIN) != 0) {
      nested_run_server_->accept_clients(handler_);
    }
    for (std::size_t i = first + 1; i < fds.size(); ++i) {
      if (fds[i].revents != 0) {
        nested_run_server_->serve(fds[i].fd, handler_, proc_);
      }
    }
  } catch (const std::exception& e) {
    log_.error("serving a nested run failed: %s", e.what());
  }
}

// The control descriptors: the run's stop, exits, nested runs.
std::vector<pollfd> Supervisor::poll_set() const {
  std::vector<pollfd> fds = {
      {stop_fd_, POLLIN, 0},
      {watcher_ != nullptr ? watcher_->fd() : -1, POLLIN, 0},
      {nested_run_server_ != nullptr ? nested_run_server_->fd() : -1, POLLIN, 0}};
  if (nested_run_server_ != nullptr) {
    for (const int client : nested_run_server_->clients()) {
      fds.push_back({client, POLLIN, 0});
    }
  }
  return fds;
}

// Workers wait in NOTIF_RECV, each with its own buffers: the kernel hands each notification to
// one of them, so that the round trips of several traced threads overlap, and a notification
// costs its receive and its answer, with no poll between them. This thread keeps the control
// descriptors; the handler's state is under state_.
void Supervisor::run() noexcept {
  struct sigaction wake {};
  wake.sa_handler = on_wake;  // no SA_RESTART: NOTIF_RECV returns EINTR
  sigemptyset(&wake.sa_mask);
  sigaction(kWakeSignal, &wake, nullptr);
  std::vector<std::thread> workers;
  std::vector<std::unique_ptr<std::atomic<bool>>> finished;
  for (unsigned i = 0; i < workers_; ++i) {
    finished.push_back(std::make_unique<std::atomic<bool>>(false));
    std::atomic<bool>* done = finished.back().get();
    workers.emplace_back([this, done] {
      work();
      done->store(true);
    });
  }
  for (;;) {
    std::vector<pollfd> fds = poll_set();
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
      log_.error("poll on the supervisor's control descriptors: %s", std::strerror(errno));
      break;
    }
    const std::lock_guard<std::mutex> lock(state_);
    if ((fds[kExits].revents & POLLIN) != 0) {
      drain_exits();
    }
    if (nested_run_server_ != nullptr) {
      serve_nested_runs(fds, kNestedRuns);
    }
    if ((fds[kStop].revents & POLLIN) != 0) {
      drain_exits();  // the tree is reaped: every exit has been reported
      break;
    }
  }
  stopping_.store(true);
  for (std::size_t i = 0; i < workers.size(); ++i) {
    // A worker may have checked `stopping_` just before the signal: wake it until it is out.
    while (!finished[i]->load()) {
      pthread_kill(workers[i].native_handle(), kWakeSignal);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    workers[i].join();
  }
}

void Supervisor::work() noexcept {
  Listener::Channel channel = listener_.channel();
  while (!stopping_.load()) {
    const Result<Notification> n = listener_.receive(channel);
    if (n) {
      serve(channel, *n);
      continue;
    }
    if (n.error().code == ENOENT) {
      // The caller went away before we took it; or (newer kernels) no task uses the filter any
      // more, and every receive fails at once: then there is nothing left to serve.
      pollfd listener{listener_.fd(), POLLIN, 0};
      if (poll(&listener, 1, 0) > 0 && (listener.revents & POLLHUP) != 0 &&
          (listener.revents & POLLIN) == 0) {
        return;
      }
    } else if (n.error().code != EINTR) {
      log_.error("%s", n.error().what());
      return;
    }
  }
}

}  // namespace roar::seccomp
