// Supervisor: receive -> read /proc -> ID_VALID -> answer -> record, for every notification.
#include "roar/seccomp/notify/supervisor.hpp"

#include <cstring>

namespace roar::seccomp {

void Supervisor::serve_one() noexcept {
  Result<Notification> n = listener_.receive();
  if (!n) {
    // ENOENT: the caller died or was interrupted before we received it; nothing to answer.
    if (n.error().code != ENOENT) {
      log_.error("%s", n.error().message().c_str());
    }
    return;
  }
  CallFindings found;
  bool prepared_ok = true;
  try {
    ProcTraceeView view = proc_.view(n->tid);
    found = handler_.prepare(*n, view);
  } catch (const std::exception& e) {
    // Nothing may keep a traced thread waiting: answer even if attribution failed.
    log_.error("attributing a system call failed: %s", e.what());
    prepared_ok = false;
  }
  // Reads above are trusted only if the thread is still in this very call: otherwise its tid
  // may have been reused, or a signal abandoned the call (a restart notifies again). A call
  // with nothing to record needs no check.
  const bool valid = found.nothing_to_record() || listener_.id_valid(n->id);
  if (valid && prepared_ok) {
    try {
      handler_.before_answer(found);
    } catch (const std::exception& e) {
      log_.error("preparing the answer to a system call failed: %s", e.what());
    }
  }
  const Status answered = found.error != 0      ? listener_.respond_error(n->id, found.error)
                          : found.answered_here ? listener_.respond_success(n->id)
                                                : listener_.respond_continue(n->id);
  if (!answered) {
    log_.error("%s", answered.error().message().c_str());
  }
  if (valid && prepared_ok) {
    try {
      handler_.commit(std::move(found));
    } catch (const std::exception& e) {
      log_.error("recording a system call failed: %s", e.what());
    }
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
  }
}

void Supervisor::serve_nested_runs(const std::vector<pollfd>& fds) noexcept {
  try {
    if ((fds[3].revents & POLLIN) != 0) {
      nested_run_server_->accept_clients(handler_);
    }
    for (std::size_t i = 4; i < fds.size(); ++i) {
      if (fds[i].revents != 0) {
        nested_run_server_->serve(fds[i].fd, handler_, proc_);
      }
    }
  } catch (const std::exception& e) {
    log_.error("serving a nested run failed: %s", e.what());
  }
}

void Supervisor::run() noexcept {
  enum : std::size_t { kListener, kStop, kExits, kNest };
  int listener_fd = listener_.fd();
  std::vector<pollfd> fds;
  for (;;) {
    // The listener first, then control descriptors; nested runs' clients come and go.
    fds.assign({{listener_fd, POLLIN, 0},
                {stop_fd_, POLLIN, 0},
                {watcher_ != nullptr ? watcher_->fd() : -1, POLLIN, 0},
                {nested_run_server_ != nullptr ? nested_run_server_->fd() : -1, POLLIN, 0}});
    if (nested_run_server_ != nullptr) {
      for (const int client : nested_run_server_->clients()) {
        fds.push_back({client, POLLIN, 0});
      }
    }
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      log_.error("poll on the seccomp listener: %s", std::strerror(errno));
      return;
    }
    // Exits first: a pid that exited may already be reused by the caller of a pending
    // notification, which must not be taken for the old process.
    if ((fds[kExits].revents & POLLIN) != 0) {
      drain_exits();
    }
    if ((fds[kListener].revents & POLLIN) != 0) {
      serve_one();
    }
    if (nested_run_server_ != nullptr) {
      serve_nested_runs(fds);
    }
    // POLLHUP: no task uses the filter any more. Exits may still be reported: keep watching
    // until the run, which reaps the tree, says it is over.
    if ((fds[kListener].revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
      listener_fd = -1;
    }
    if ((fds[kStop].revents & POLLIN) != 0) {
      drain_exits();  // the tree is reaped: every exit has been reported
      return;
    }
  }
}

}  // namespace roar::seccomp
