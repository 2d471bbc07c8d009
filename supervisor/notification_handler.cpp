// NotificationHandler: the per-notification pipeline: process bookkeeping, pending checks,
// attribution. Everything is read in prepare() and recorded in commit().
#include "roar/seccomp/notification_handler.hpp"

#include <cerrno>

#include "roar/seccomp/syscall_args.hpp"

namespace roar::seccomp {

NotificationHandler::NotificationHandler(const SyscallIndex& index, TraceLog& log,
                                         LauncherExec launcher, bool allow_io_uring)
    : index_(index), log_(log), launcher_(launcher), allow_io_uring_(allow_io_uring) {}

void NotificationHandler::see_process(Prepared& p, TraceeView& view) {
  ProcessTable& processes = log_.processes;
  std::optional<int> pid = processes.tgid_of(p.tid);
  std::optional<int> ppid;
  if (!pid) {
    const std::optional<ThreadStatus> status = view.status();
    if (!status) {
      return;  // the thread is gone; prepare() still answers the notification
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

void NotificationHandler::settle_remaining(TraceeView& view) {
  for (const auto& [tid, pending] : pending_) {
    record(settle(pending.check, view), tid, pending.pid);
  }
  pending_.clear();
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
  const SyscallArgs args = decode_args(*p.spec, *abi, n.args);
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
    case Effect::kDenyIoUring:
      p.error = allow_io_uring_ ? 0 : ENOSYS;
      break;
    default:
      break;
  }
  const CallContext context{log_.files, n.tid, p.pid, &log_.facts};
  p.attribution = attribute(*p.spec, args, *abi, view, context);
  return p;
}

void NotificationHandler::commit(Prepared&& p) {
  ++log_.notifications;
  if (p.spec == nullptr) {
    return;
  }
  ProcessTable& processes = log_.processes;
  if (p.settled_pending) {
    const auto it = pending_.find(p.tid);
    record(p.settled, p.tid, it != pending_.end() ? it->second.pid : p.pid);
    pending_.erase(p.tid);
  }
  if (p.pid) {
    processes.remember_thread(p.tid, *p.pid);
  }
  for (const ProcessSighting& s : p.sightings) {
    processes.apply(s);
  }
  for (const FileEvent& e : p.attribution.events) {
    log_.files.record(e.path, e.access, p.tid);
  }
  if (p.attribution.pending) {
    pending_.insert_or_assign(p.tid, Pending{std::move(*p.attribution.pending), p.pid});
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
  switch (p.spec->effect) {
    case Effect::kExec:
      if (p.pid && !p.launcher_exec) {
        processes.exec_started(*p.pid);
      }
      break;
    case Effect::kExitThread:
      processes.thread_exited(p.tid);
      break;
    case Effect::kExitProcess:
      if (p.pid) {
        processes.process_exited(*p.pid);
        log_.facts.forget_process(*p.pid);
      }
      break;
    case Effect::kDenyIoUring:
      if (p.error != 0) {
        log_.io_uring_refused = true;
        log_.warnings.add(
            "io_uring_setup was refused with ENOSYS so that the program fell back to system "
            "calls the tracer sees");
      } else {
        log_.warnings.add(
            "io_uring was allowed (--allow-io-uring): file I/O through io_uring is not in this "
            "report, which is incomplete");
      }
      break;
    default:
      break;
  }
}

}  // namespace roar::seccomp
