// NotificationHandler: the per-notification pipeline: process bookkeeping, pending checks,
// attribution, caches. Everything is read in prepare() and recorded in commit().
#include "roar/seccomp/notify/notification_handler.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <ctime>

#include "roar/seccomp/attribution/run_report.hpp"
#include "roar/seccomp/filters/syscall_args.hpp"

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
    case Effect::kProtect:
    case Effect::kClone:
    case Effect::kAioSubmit:
    case Effect::kResizeFd:
      return pid_from_cache && !denied && !walk_refused && sightings.empty() && !settled_pending &&
             fd_links.empty() && attribution.events.empty() && !attribution.pending &&
             !attribution.memory_unreadable && !attribution.path_unresolved &&
             attribution.unattributed == nullptr && !attribution.writable_shared_mapping;
    default: return false;
  }
}

NotificationHandler::NotificationHandler(const SyscallIndex& index, RunRecord& log,
                                         LauncherExec launcher, bool allow_io_uring,
                                         ProcessWatcher* watcher)
    : index_(index),
      log_(log),
      launches_{Launch{launcher, false}},
      allow_io_uring_(allow_io_uring),
      watcher_(watcher) {}

// A process sharing its parent's descriptor table (clone with CLONE_FILES) releases
// descriptors that the fd cache keeps for the parent: the cache is then given up. Returns
// whether the comparison could be made (it cannot for the root, whose parent is the tracer).
bool NotificationHandler::check_fd_table(Prepared& p, TraceeView& view, std::optional<int> parent,
                                         int pid) const {
  if (!parent || *parent == getpid() || *parent == pid) {
    return false;
  }
  const std::optional<bool> shared = view.same_fd_table(*parent, pid);
  p.shares_parent_fd_table = p.shares_parent_fd_table || !shared || *shared;
  return true;
}

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
    // The fd cache is keyed by process: a thread with a descriptor table of its own (clone
    // without CLONE_FILES) must not use it.
    if (p.tid != *pid) {
      p.fd_table = view.same_fd_table(*pid, p.tid);
    }
  }
  p.pid = pid;
  const ProcessRecord* record = processes.live(*pid);
  bool fd_table_checked = false;
  if (record == nullptr || !record->fd_table_checked) {
    const std::optional<int> parent = record != nullptr ? record->parent_pid : ppid;
    fd_table_checked = check_fd_table(p, view, parent, *pid);
  }
  if (record == nullptr && ppid == getpid()) {
    // Re-parented to the tracer before it was seen: its parent died without a call that would
    // have listed it. It descends from the root, the closest ancestor the report can name.
    ppid = processes.root_pid();
    p.orphan_without_parent = true;
  }
  if (record == nullptr) {
    p.sightings.push_back({*pid, ppid, view.cmdline(*pid), view.environ(*pid), false});
  } else if (record->image_may_have_changed) {
    // The first call after an exec (successful or not) shows the current image's argv.
    p.sightings.push_back(
        {*pid, record->parent_pid, view.cmdline(*pid), view.environ(*pid), false});
  } else if (fd_table_checked) {
    p.sightings.push_back({*pid, record->parent_pid, std::nullopt, std::nullopt, false});
  }
  if (fd_table_checked) {
    p.sightings.back().fd_table_checked = true;
  }
  if (watcher_ != nullptr && (record == nullptr || !record->watched)) {
    // Opened before the validity check, so it names the process that is still in this call.
    p.pidfd = view.open_pidfd(*pid);
  }
}

// A process that makes no traced call of its own, or whose parent dies before it is seen (it is
// then re-parented to the tracer, and /proc no longer names its real parent), is found through
// its parent's children in /proc while the parent still has them: zombies included.
void NotificationHandler::see_children(Prepared& p, TraceeView& view, int pid) {
  for (int child : view.children(pid)) {
    // A child whose exit was recorded is still listed while it finishes exiting and as a
    // zombie; its pid cannot be reused before this parent reaps it.
    if (log_.processes.live(child) != nullptr || log_.processes.exited(child)) {
      continue;
    }
    ProcessSighting s{child, pid, view.cmdline(child), view.environ(child), true};
    s.inherits_parent_image = !s.cmdline || s.cmdline->empty();
    s.fd_table_checked = check_fd_table(p, view, pid, child);
    p.sightings.push_back(std::move(s));
  }
}

std::optional<std::string> NotificationHandler::read_exec_argv(std::uint64_t array,
                                                               const AbiInfo& abi,
                                                               TraceeView& view) const {
  constexpr std::size_t kMaxArgs = 256;  // a fallback only: /proc gives the full argv
  std::string out;
  for (std::size_t i = 0; i < kMaxArgs; ++i) {
    std::uint64_t ptr = 0;
    if (!view.read_memory(array + i * abi.pointer_size, &ptr, abi.pointer_size)) {
      return std::nullopt;
    }
    if (ptr == 0) {
      return out;
    }
    std::optional<std::string> arg = view.read_path(ptr);
    if (!arg) {
      return std::nullopt;
    }
    out += *arg;
    out += '\0';
  }
  return out;
}

Prepared NotificationHandler::prepare(const Notification& n, TraceeView& view) {
  Prepared p;
  p.tid = n.tid;
  const AbiInfo* abi = abi_of(n.arch, n.nr);
  p.spec = abi != nullptr ? index_.find(*abi, n.nr, n.args) : nullptr;
  if (p.spec == nullptr) {
    return p;
  }
  see_process(p, view);
  // The caller's previous call has returned: settle what it left pending. A check left by a
  // thread of another process (whose tid was reused) is not this thread's to settle.
  if (const auto it = pending_.find(n.tid); it != pending_.end() && it->second.pid == p.pid) {
    p.settled = settle(it->second.check, view, log_.files);
    p.settled_pending = true;
  }
  p.args = decode_args(*p.spec, *abi, n.args);
  switch (p.spec->effect) {
    case Effect::kExec:
      p.launcher_exec = is_launcher_exec(n);
      if (!p.launcher_exec) {
        p.exec_argv = read_exec_argv(p.args.argv, *abi, view);
      }
      break;
    case Effect::kExitProcess:
    case Effect::kWait:
      if (p.pid) {
        see_children(p, view, *p.pid);
      }
      break;
    case Effect::kDenyIoUring: p.error = allow_io_uring_ ? 0 : ENOSYS; break;
    default: break;
  }
  if (p.launcher_exec) {
    return p;  // the descriptors open now are the tracer's own, all close-on-exec
  }
  const ProcessRecord* record = p.pid ? log_.processes.live(*p.pid) : nullptr;
  timespec now{};
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  const CallContext context{log_.files, n.tid, p.pid, &log_.facts,
                            Timestamp{now.tv_sec, static_cast<std::uint32_t>(now.tv_nsec)}};
  if (record != nullptr && record->watched && fd_cache_.enabled()) {
    CachingView cached(view, fd_cache_, *p.pid);
    p.attribution = attribute(*p.spec, p.args, *abi, cached, context);
    p.fd_links = cached.take_reads();
  } else {
    p.attribution = attribute(*p.spec, p.args, *abi, view, context);
  }
  p.denied = view.denied();
  p.walk_refused = view.walk_refused();
  return p;
}

bool NotificationHandler::is_launcher_exec(const Notification& n) const {
  for (const Launch& launch : launches_) {
    if (!launch.running && n.tid == launch.exec.pid &&
        (n.args[1] == launch.exec.argv || n.args[1] == launch.exec.argv_fallback) &&
        n.args[2] == launch.exec.envp) {
      return true;
    }
  }
  return false;
}

void NotificationHandler::record_access(const FileEvent& e, int tid, std::optional<int> pid) {
  log_.files.record(e.path, e.access, tid);
  if (nested_runs_.empty() || !pid) {
    return;
  }
  if (const ProcessRecord* record = log_.processes.live(*pid)) {
    for (const std::uint32_t id : record->subtrees) {
      if (const auto it = nested_runs_.find(id); it != nested_runs_.end()) {
        it->second.files.record(e.path, e.access, tid);
      }
    }
  }
}

void NotificationHandler::warn(const std::string& message, std::optional<int> pid) {
  log_.warnings.add(message);
  if (nested_runs_.empty() || !pid) {
    return;
  }
  if (const ProcessRecord* record = log_.processes.live(*pid)) {
    for (const std::uint32_t id : record->subtrees) {
      if (const auto it = nested_runs_.find(id); it != nested_runs_.end()) {
        it->second.warnings.add(message);
      }
    }
  }
}

void NotificationHandler::mark_incomplete(std::optional<int> pid) {
  log_.incomplete = true;
  const ProcessRecord* record = pid ? log_.processes.live(*pid) : nullptr;
  for (const std::uint32_t id :
       record != nullptr ? record->subtrees : std::vector<std::uint32_t>{}) {
    if (const auto it = nested_runs_.find(id); it != nested_runs_.end()) {
      it->second.incomplete = true;
    }
  }
}

void NotificationHandler::record(const Settlement& s, int tid, std::optional<int> pid) {
  for (const FileEvent& e : s.events) {
    record_access(e, tid, pid);
  }

  if (s.truncating_fd && pid) {
    log_.facts.truncating_fd(*pid, s.truncating_fd->first, s.truncating_fd->second);
  }
  if (s.tmpfile_name) {
    log_.facts.name_tmpfile(s.tmpfile_name->first, s.tmpfile_name->second);
  }
}

void NotificationHandler::commit_process(Prepared& p) {
  ProcessTable& processes = log_.processes;
  if (p.shares_parent_fd_table) {
    fd_cache_.disable();
  }
  if (p.pid && p.tid != *p.pid && !p.pid_from_cache) {  // a thread seen for the first time
    if (!p.fd_table) {
      fd_cache_.disable();  // the tables could not be compared (kcmp refused)
    } else if (!*p.fd_table) {
      fd_cache_.exclude_process(*p.pid);
    }
  }
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
        log_.facts.release_fds(*p.pid, a.fd_closed, a.fd_closed);
      }
      break;
    case Effect::kCloseRange:
      if (p.pid) {
        fd_cache_.release_started(*p.pid, p.tid, std::pair{a.fd_first, a.fd_last});
        log_.facts.release_fds(*p.pid,
                               static_cast<int>(std::min<std::uint32_t>(a.fd_first, INT32_MAX)),
                               static_cast<int>(std::min<std::uint32_t>(a.fd_last, INT32_MAX)));
      }
      break;
    case Effect::kRename:
    case Effect::kLink: fd_cache_.paths_changing(p.tid); break;
    case Effect::kExec:
      if (p.pid) {
        if (!p.launcher_exec) {
          log_.processes.exec_started(*p.pid, p.exec_argv);
          orphan_checks_of(*p.pid, p.tid);  // a successful exec ends the other threads
        }
        fd_cache_.release_started(*p.pid, p.tid, std::nullopt);
        log_.facts.release_fds(*p.pid);  // a new program reads whatever the file holds
      }
      break;
    case Effect::kUnshare:
      if (p.pid) {
        fd_cache_.exclude_process(*p.pid);  // its threads now use different tables
      } else {
        fd_cache_.disable();
      }
      break;
    case Effect::kExitThread: log_.processes.thread_exited(p.tid); break;
    case Effect::kExitProcess:
      if (p.pid) {
        // A watched process is forgotten when its pidfd says it is gone: threads still on
        // their way out may trap until then, and must not look like a new process.
        fd_cache_.forget_process(*p.pid);
        if (!log_.processes.live(*p.pid) || !log_.processes.live(*p.pid)->watched) {
          forget_process(*p.pid);
        }
      }
      break;
    case Effect::kOwnListener:
      if (p.pid) {
        listener_askers_.push_back(*p.pid);
      }
      break;
    case Effect::kDenyIoUring:
      if (p.error != 0) {
        log_.io_uring_refused = true;
        warn(
            "io_uring_setup was refused with ENOSYS so that the program fell back to system "
            "calls the tracer sees",
            p.pid);
      } else {
        mark_incomplete(p.pid);
        fd_cache_.disable();  // io_uring can close descriptors without a system call
        warn(
            "io_uring was allowed (--allow-io-uring): file I/O through io_uring is not in this "
            "report, which is incomplete",
            p.pid);
      }
      break;
    default: break;
  }
}

void NotificationHandler::commit(Prepared&& p) {
  ++log_.notifications;
  // This thread's previous release or rename has happened by now.
  fd_cache_.release_done(p.tid);
  if (p.quiet()) {
    return;
  }
  if (const auto it = pending_.find(p.tid); it != pending_.end()) {
    if (p.settled_pending) {
      record(p.settled, p.tid, it->second.pid);
    } else {
      orphaned_.push_back(std::move(it->second));  // left by a dead thread whose tid is reused
    }
    pending_.erase(it);
  }
  commit_process(p);
  if (p.orphan_without_parent) {
    warn(
        "a process whose parent died before the tracer saw it is reported with the root as its "
        "parent",
        p.pid);
  }
  for (const FileEvent& e : p.attribution.events) {
    record_access(e, p.tid, p.pid);
  }
  if (p.attribution.pending) {
    pending_.insert_or_assign(p.tid, Pending{std::move(*p.attribution.pending), p.pid, p.tid});
  }
  if (p.denied) {
    mark_incomplete(p.pid);
    warn(
        "the descriptors of a traced process could not be inspected through /proc (it is not "
        "dumpable, or ptrace access to it is denied): reads and writes it made through them "
        "are missing from this report",
        p.pid);
  }
  if (p.walk_refused || p.attribution.path_unresolved) {
    mark_incomplete(p.pid);
    warn(kWalkRefusedWarning, p.pid);
  }
  if (p.attribution.unattributed != nullptr) {
    mark_incomplete(p.pid);
    warn(std::string("what a traced call moved could not be told: ") + p.attribution.unattributed +
             "; files it read or wrote may be missing from this report",
         p.pid);
  }
  if (p.attribution.writable_shared_mapping) {
    log_.facts.note_writable_shared_mapping();
  }
  if (p.attribution.published_unknown) {
    mark_incomplete(p.pid);
  }
  if (p.attribution.memory_unreadable) {
    warn(
        "could not read a traced process's memory (ptrace access denied?): path arguments of "
        "rename, link, truncate and truncating opens were not seen, and byte counts of "
        "vectored I/O or copy offsets were assumed",
        p.pid);
  }
  if (!p.launcher_exec) {
    for (Launch& launch : launches_) {
      launch.running = launch.running || p.pid == launch.exec.pid;
    }
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
  orphan_checks_of(pid, 0);
}

// Checks of threads that will not trap again can no longer be settled by their next call: keep
// them for the end, where what they published on the file system is still visible.
void NotificationHandler::orphan_checks_of(int pid, int except_tid) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.pid == pid && it->first != except_tid) {
      orphaned_.push_back(std::move(it->second));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

void NotificationHandler::process_gone(int pid) {
  if (log_.processes.live(pid) != nullptr) {
    log_.processes.died_after_exec(pid);
    forget_process(pid);
  }
}

void NotificationHandler::settle_remaining(TraceeView& view) {
  for (std::size_t i = 0; i < listener_askers_.size(); ++i) {
    log_.warnings.add(kOwnListenerWarning);
  }
  listener_askers_.clear();
  for (auto& [tid, pending] : pending_) {
    orphaned_.push_back(std::move(pending));
  }
  pending_.clear();
  for (const Pending& pending : orphaned_) {
    // Only path checks mean anything now; a descriptor of a dead thread cannot be read.
    if (pending.check.kind != PendingCheck::Kind::kSinkAdvanced) {
      record(settle(pending.check, view, log_.files), pending.tid, pending.pid);
    }
  }
  orphaned_.clear();
  if (view.walk_refused()) {
    log_.incomplete = true;
    log_.warnings.add(kWalkRefusedWarning);
  }
}

}  // namespace roar::seccomp
