// NotificationHandler: the per-notification pipeline: process bookkeeping, pending checks,
// attribution, caches. Everything is read in prepare() and recorded in commit().
#include "roar/seccomp/notification_handler.hpp"

#include <sched.h>

#include <cerrno>

#include "roar/seccomp/syscall_args.hpp"

namespace roar::seccomp {
bool Prepared::quiet() const noexcept {
  if (spec == nullptr) {
    return true;
  }
  switch (spec->effect) {
    case Effect::kRead:
    case Effect::kWrite:
    case Effect::kTransfer:
    case Effect::kMap:
    case Effect::kResizeFd:
      return pid_from_cache && sightings.empty() && !settled_pending && fd_links.empty() &&
             attribution.events.empty() && !attribution.pending && !attribution.memory_unreadable;
    default:
      return false;
  }
}

NotificationHandler::NotificationHandler(const SyscallIndex& index, TraceLog& log,
                                         LauncherExec launcher, bool allow_io_uring,
                                         ProcessWatcher* watcher)
    : index_(index),
      log_(log),
      launcher_(launcher),
      allow_io_uring_(allow_io_uring),
      watcher_(watcher) {}

void NotificationHandler::see_process(Prepared& p, TraceeView& view) {
  ProcessTable& processes = log_.processes;
  std::optional<int> pid = processes.tgid_of(p.tid);
  std::optional<int> ppid;
  p.pid_from_cache = pid.has_value();
  if (!pid) {
    const std::optional<ThreadStatus> status = view.status();
    if (!status) {
      return;  // the thread is gone; the notification is still answered
    }
    pid = status->tgid;
    ppid = status->ppid;
  }
  p.pid = pid;
  const ProcessRecord* record = processes.live(*pid);
  if (record == nullptr) {
    p.sightings.push_back({*pid, ppid, view.cmdline(*pid), view.environ(*pid), false});
  } else if (record->image_may_have_changed) {
    // The first call after an exec (successful or not) shows the current image's argv.
    p.sightings.push_back({*pid, record->parent_pid, view.cmdline(*pid), view.environ(*pid), false});
  }
  if (watcher_ != nullptr && (record == nullptr || !record->watched)) {
    // Opened before the validity check, so it names the process that is still in this call.
    p.pidfd = view.open_pidfd(*pid);
  }
}

// Children still alive when their parent exits are adopted by the tracer (a child subreaper),
// after which /proc no longer names their real parent: record it while it still does.
void NotificationHandler::see_children(Prepared& p, TraceeView& view, int pid) {
  for (int child : view.children(pid)) {
    if (log_.processes.live(child) == nullptr) {
      p.sightings.push_back({child, pid, view.cmdline(child), view.environ(child), true});
    }
  }
}

void NotificationHandler::decide_clone(Prepared& p, const SyscallArgs& args,
                                       TraceeView& view) const {
  std::uint64_t flags = 0;
  if (args.clone_flags) {
    flags = *args.clone_flags;
  } else if (!view.read_memory(args.clone_args, &flags, sizeof flags)) {
    p.shares_fd_table = true;  // struct clone_args starts with its flags; unknown: assume shared
    return;
  }
  p.shares_fd_table = (flags & CLONE_FILES) != 0 && (flags & CLONE_THREAD) == 0;
}

Prepared NotificationHandler::prepare(const Notification& n, TraceeView& view) {
  Prepared p;
  p.tid = n.tid;
  const AbiInfo* abi = abi_of(n.arch, n.nr);
  p.spec = abi != nullptr ? index_.find(*abi, n.nr) : nullptr;
  if (p.spec == nullptr) {
    return p;
  }
  if (const auto it = pending_.find(n.tid); it != pending_.end()) {
    p.settled = settle(it->second.check, view);
    p.settled_pending = true;
  }
  see_process(p, view);
  p.args = decode_args(*p.spec, *abi, n.args);
  switch (p.spec->effect) {
    case Effect::kExec:
      p.launcher_exec = launcher_phase_ && n.tid == launcher_.pid &&
                        (n.args[1] == launcher_.argv || n.args[1] == launcher_.argv_fallback) &&
                        n.args[2] == launcher_.envp;
      break;
    case Effect::kExitProcess:
      if (p.pid) {
        see_children(p, view, *p.pid);
      }
      break;
    case Effect::kClone:
      decide_clone(p, p.args, view);
      break;
    case Effect::kDenyIoUring:
      p.error = allow_io_uring_ ? 0 : ENOSYS;
      break;
    default:
      break;
  }
  if (p.launcher_exec) {
    return p;  // the descriptors open now are the tracer's own, all close-on-exec
  }
  const ProcessRecord* record = p.pid ? log_.processes.live(*p.pid) : nullptr;
  const CallContext context{log_.files, n.tid, p.pid, &log_.facts};
  if (record != nullptr && record->watched && fd_cache_.enabled()) {
    CachingView cached(view, fd_cache_, *p.pid);
    p.attribution = attribute(*p.spec, p.args, *abi, cached, context);
    p.fd_links = cached.take_reads();
  } else {
    p.attribution = attribute(*p.spec, p.args, *abi, view, context);
  }
  return p;
}

void NotificationHandler::record(const Settlement& s, int tid, std::optional<int> pid) {
  for (const FileEvent& e : s.events) {
    log_.files.record(e.path, e.access, tid);
  }
  if (s.truncated && pid) {
    log_.facts.truncated_by(*pid, *s.truncated);
  }
  if (s.tmpfile_name) {
    log_.facts.name_tmpfile(s.tmpfile_name->first, s.tmpfile_name->second);
  }
}

void NotificationHandler::commit_process(Prepared& p) {
  ProcessTable& processes = log_.processes;
  for (const ProcessSighting& s : p.sightings) {
    processes.apply(s);
  }
  if (!p.pid) {
    return;
  }
  if (p.pidfd && watcher_ != nullptr) {
    processes.set_watched(*p.pid, watcher_->watch(*p.pid, std::move(p.pidfd)));
  }
  processes.remember_thread(p.tid, *p.pid);
  for (auto& [fd, link] : p.fd_links) {
    fd_cache_.insert(*p.pid, fd, std::move(link));
  }
}

void NotificationHandler::commit_effect(const Prepared& p) {
  const SyscallArgs& a = p.args;
  switch (p.spec->effect) {
    case Effect::kClose:
      if (p.pid) {
        const auto fd = static_cast<std::uint32_t>(a.fd_closed);
        fd_cache_.release_started(*p.pid, p.tid, std::pair{fd, fd});
      }
      break;
    case Effect::kCloseRange:
      if (p.pid) {
        fd_cache_.release_started(*p.pid, p.tid, std::pair{a.fd_first, a.fd_last});
      }
      break;
    case Effect::kRename:
    case Effect::kLink:
      fd_cache_.paths_changing(p.tid);
      break;
    case Effect::kExec:
      if (p.pid) {
        if (!p.launcher_exec) {
          log_.processes.exec_started(*p.pid);
        }
        fd_cache_.release_started(*p.pid, p.tid, std::nullopt);
      }
      break;
    case Effect::kClone:
      if (p.shares_fd_table) {
        fd_cache_.disable();
      }
      break;
    case Effect::kUnshare:
      fd_cache_.disable();
      break;
    case Effect::kExitThread:
      log_.processes.thread_exited(p.tid);
      break;
    case Effect::kExitProcess:
      if (p.pid) {
        forget_process(*p.pid);
      }
      break;
    case Effect::kDenyIoUring:
      if (p.error != 0) {
        log_.io_uring_refused = true;
        log_.warnings.add(
            "io_uring_setup was refused with ENOSYS so that the program fell back to system "
            "calls the tracer sees");
      } else {
        fd_cache_.disable();  // io_uring can close descriptors without a system call
        log_.warnings.add(
            "io_uring was allowed (--allow-io-uring): file I/O through io_uring is not in this "
            "report, which is incomplete");
      }
      break;
    default:
      break;
  }
}

void NotificationHandler::commit(Prepared&& p) {
  ++log_.notifications;
  // This thread's previous release or rename has happened by now.
  fd_cache_.release_done(p.tid);
  if (p.quiet()) {
    return;
  }
  if (p.settled_pending) {
    const auto it = pending_.find(p.tid);
    record(p.settled, p.tid, it != pending_.end() ? it->second.pid : p.pid);
    pending_.erase(p.tid);
  }
  commit_process(p);
  for (const FileEvent& e : p.attribution.events) {
    log_.files.record(e.path, e.access, p.tid);
  }
  if (p.attribution.pending) {
    pending_.insert_or_assign(p.tid, Pending{std::move(*p.attribution.pending), p.pid, p.tid});
  }
  if (p.attribution.memory_unreadable) {
    log_.warnings.add(
        "could not read a traced process's memory (ptrace access denied?): path arguments of "
        "rename, link, truncate and truncating opens were not seen, and byte counts of "
        "vectored I/O or copy offsets were assumed");
  }
  if (launcher_phase_ && p.pid == launcher_.pid && !p.launcher_exec) {
    launcher_phase_ = false;
  }
  commit_effect(p);
}

void NotificationHandler::forget_process(int pid) {
  log_.processes.process_exited(pid);
  log_.facts.forget_process(pid);
  fd_cache_.forget_process(pid);
  if (watcher_ != nullptr) {
    watcher_->unwatch(pid);
  }
  // Checks of its threads can no longer be settled by their next call: keep them for the end,
  // where what they published on the file system is still visible.
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.pid == pid) {
      orphaned_.push_back(std::move(it->second));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

void NotificationHandler::process_gone(int pid) {
  if (log_.processes.live(pid) != nullptr) {
    forget_process(pid);
  }
}

void NotificationHandler::settle_remaining(TraceeView& view) {
  for (auto& [tid, pending] : pending_) {
    orphaned_.push_back(std::move(pending));
  }
  pending_.clear();
  for (const Pending& pending : orphaned_) {
    // Only path checks mean anything now; a descriptor of a dead thread cannot be read.
    if (pending.check.kind != PendingCheck::Kind::kSinkAdvanced) {
      record(settle(pending.check, view), pending.tid, pending.pid);
    }
  }
  orphaned_.clear();
}

}  // namespace roar::seccomp
