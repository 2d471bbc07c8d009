// NotificationHandler: the per-notification pipeline: prepare() reads, commit() records.
//
// The parts it runs: process discovery, pending checks, attribution, the fd cache, nested runs.
#include "roar/seccomp/notify/notification_handler.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <ctime>

#include "roar/seccomp/attribution/warning_catalogue.hpp"
#include "roar/seccomp/filters/syscall_args.hpp"

namespace roar::seccomp {

NotificationHandler::NotificationHandler(const SyscallIndex& index, RunRecord& log,
                                         LauncherExec launcher, bool allow_io_uring,
                                         ProcessWatcher* watcher, FastPath* fast_path,
                                         PreloadGuard* preload_guard)
    : index_(index),
      log_(log),
      allow_io_uring_(allow_io_uring),
      discovery_(log.processes, watcher, fd_cache_, getpid()),
      launches_(launcher),
      nested_runs_(log.processes),
      recorder_(log, nested_runs_),
      fast_path_(fast_path),
      preload_guard_(preload_guard) {}

CallFindings NotificationHandler::prepare(const Notification& n, TraceeView& view) {
  CallFindings found;
  found.tid = n.tid;
  const AbiInfo* abi = abi_of(n.arch, n.nr);
  found.spec = abi != nullptr ? index_.find(*abi, n.nr, n.args) : nullptr;
  if (found.spec == nullptr) {
    return found;
  }
  ToRecord& to_record = found.to_record;
  found.pid =
      discovery_.see_caller(n.tid, view, to_record.processes, found.spec->effect == Effect::kExec);
  // The caller's previous call has returned: settle what it left pending.
  if (const PendingCheck* check = pending_.to_settle(n.tid, found.pid)) {
    to_record.settled = settle(*check, view, log_.files);
  }
  found.args = decode_args(*found.spec, *abi, n.args);
  switch (found.spec->effect) {
    case Effect::kExec:
      found.launcher_exec = launches_.is_launcher_exec(n);
      if (!found.launcher_exec) {
        found.exec_argv = read_argv(view, found.args.argv, *abi);
      }
      if (preload_guard_ != nullptr) {
        ExecPreload preload = preload_guard_->for_exec(found.args, *abi, view);
        found.environment_edits = std::move(preload.edits);
        found.exec_program = preload.program;
        found.exec_library = preload.library;
      }
      break;
    case Effect::kExitProcess:
    case Effect::kWait:
      if (found.pid) {
        discovery_.see_children(*found.pid, view, to_record.processes);
      }
      break;
    case Effect::kDenyIoUring: found.error = allow_io_uring_ ? 0 : ENOSYS; break;
    case Effect::kRead: found.unseen_closes = unseen_closes(n.tid, found.args.fd_in, view); break;
    case Effect::kWrite: found.unseen_closes = unseen_closes(n.tid, found.args.fd_out, view); break;
    case Effect::kFastPathRegistration: {
      found.answered_here = true;
      roar_fast_path_registration registration{};
      if (view.read_memory(found.args.registration, &registration, sizeof registration)) {
        found.registration = registration;
      } else {
        found.error = EFAULT;
      }
      break;
    }
    default: break;
  }
  if (found.launcher_exec) {
    return found;  // the descriptors open now are the tracer's own, all close-on-exec
  }
  const ProcessRecord* record = found.pid ? log_.processes.live(*found.pid) : nullptr;
  timespec now{};
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  const CallContext context{log_.files, n.tid, found.pid, &log_.facts,
                            Timestamp{now.tv_sec, static_cast<std::uint32_t>(now.tv_nsec)}};
  if (record != nullptr && record->watched && fd_cache_.enabled()) {
    CachingView cached(view, fd_cache_, *found.pid);
    to_record.files = attribute(*found.spec, found.args, *abi, CallerView(cached, view), context);
    to_record.fd_links = cached.take_reads();
  } else {
    to_record.files = attribute(*found.spec, found.args, *abi, view, context);
  }
  to_record.losses = ViewLosses{view.denied(), view.walk_refused(), view.starved()};
  return found;
}

// The fast path's invariants hold before the call runs: a descriptor that is released, or whose
// path may change (rename, link), is revoked from every table that could skip a call on it.
void NotificationHandler::before_answer(CallFindings& found) {
  if (fast_path_ == nullptr || found.spec == nullptr || !found.pid) {
    if (found.registration) {
      found.error = ENOSYS;
    }
    return;
  }
  const SyscallArgs& a = found.args;
  const int pid = *found.pid;
  for (const MemoryEdit& edit : found.environment_edits) {
    static_cast<void>(fast_path_->writer().write(pid, found.tid, edit.address, edit.bytes.data(),
                                                 edit.bytes.size()));
  }
  if (found.to_record.processes.shares_parent_fd_table) {
    fast_path_->disable();  // another process's releases would not reach this one's tables
  }
  switch (found.spec->effect) {
    case Effect::kFastPathRegistration:
      if (found.registration) {
        found.error = fast_path_->register_table(pid, found.tid, *found.registration);
        if (found.error == 0 && preload_guard_ != nullptr) {
          preload_guard_->use().registered(pid);
        }
      }
      break;
    case Effect::kClose: {
      const auto fd = static_cast<std::uint32_t>(a.fd_closed);
      fast_path_->revoke(pid, fd, fd);
      break;
    }
    case Effect::kCloseRange: fast_path_->revoke(pid, a.fd_first, a.fd_last); break;
    case Effect::kExec: fast_path_->revoke(pid, 0, UINT32_MAX); break;
    case Effect::kRename:
    case Effect::kLink: fast_path_->revoke_all(); break;  // open files may get other names
    case Effect::kUnshare: fast_path_->disable(); break;
    default: break;
  }
  // A call settled only at the thread's next notification: the thread must make one.
  if (found.to_record.files.pending) {
    fast_path_->suspend(found.tid);
  }
}

// Read before the descriptor is looked at: a close the library lets through after this changes
// the count, and so voids whatever is granted from what was seen.
std::optional<std::uint32_t> NotificationHandler::unseen_closes(int tid, int fd,
                                                                MemoryView& view) const {
  if (fast_path_ == nullptr) {
    return std::nullopt;
  }
  const std::optional<std::uint64_t> address = fast_path_->closes_address(tid, fd);
  std::uint32_t count = 0;
  if (!address || !view.read_memory(*address, &count, sizeof count)) {
    return std::nullopt;
  }
  return count;
}

void NotificationHandler::commit(CallFindings&& found) {
  ++log_.notifications;
  ++log_.notifications_by_call[found.spec != nullptr ? found.spec->name : "untraced"];
  // This thread's previous release or rename has happened by now.
  fd_cache_.release_done(found.tid);
  if (fast_path_ != nullptr) {
    commit_fast_path(found);
  }
  if (preload_guard_ != nullptr && found.pid && found.spec != nullptr &&
      (found.spec->effect == Effect::kRead || found.spec->effect == Effect::kWrite)) {
    preload_guard_->use().notified_io(*found.pid);
  }
  if (found.nothing_to_record()) {
    return;
  }
  record(found);
  if (!found.launcher_exec) {
    launches_.program_ran(found.pid);
  }
  commit_effect(found);
}

// What the call showed, in ToRecord's groups.
void NotificationHandler::record(CallFindings& found) {
  ToRecord& to_record = found.to_record;
  const int tid = found.tid;
  const std::optional<int> pid = found.pid;
  pending_.trapped_again(tid, to_record.settled.has_value());
  if (to_record.settled) {
    recorder_.settlement(*to_record.settled, tid, pid);
    const auto& truncating = to_record.settled->truncating_fd;
    if (truncating && pid && fast_path_ != nullptr) {
      // The fact must go when the descriptor is released: its close must be seen.
      fast_path_->revoke(*pid, static_cast<std::uint32_t>(truncating->first),
                         static_cast<std::uint32_t>(truncating->first));
    }
  }
  const bool orphan = to_record.processes.orphan_without_parent;
  if (preload_guard_ != nullptr) {
    for (const ProcessSighting& s : to_record.processes.sightings) {
      if (s.parent_pid && log_.processes.live(s.pid) == nullptr) {
        preload_guard_->use().spawned(*s.parent_pid);
      }
    }
  }
  discovery_.apply(std::move(to_record.processes), tid, pid);
  if (pid) {
    for (auto& [fd, link] : to_record.fd_links) {
      if (fast_path_ == nullptr || !fast_path_->close_unseen(*pid, fd)) {
        fd_cache_.insert(*pid, fd, std::move(link));
      }
    }
  }
  if (orphan) {
    recorder_.warn(warning::kOrphanUnderRoot, pid);
  }
  const Attribution& files = to_record.files;
  for (const FileEvent& e : files.events) {
    recorder_.access(e, tid, pid);
  }
  if (files.pending) {
    pending_.add(tid, pid, std::move(*to_record.files.pending));
  }
  if (to_record.losses.denied) {
    recorder_.incomplete(pid);
    recorder_.warn(warning::kDescriptorsDenied, pid);
  }
  if (to_record.losses.starved) {
    recorder_.incomplete(pid);
    recorder_.warn(warning::kTracerStarved, pid);
  }
  if (to_record.losses.walk_refused || files.path_unresolved) {
    recorder_.incomplete(pid);
    recorder_.warn(warning::kWalkRefused, pid);
  }
  if (files.unattributed != nullptr) {
    recorder_.incomplete(pid);
    recorder_.warn(warning::unattributed(files.unattributed), pid);
  }
  if (files.writable_shared_mapping) {
    log_.facts.note_writable_shared_mapping();
  }
  if (files.published_unknown) {
    recorder_.incomplete(pid);
  }
  if (files.memory_unreadable) {
    recorder_.warn(warning::kMemoryUnreadable, pid);
  }
}

// What the call itself does to the tracer's bookkeeping, found something or not.
void NotificationHandler::commit_effect(const CallFindings& found) {
  const SyscallArgs& a = found.args;
  const std::optional<int> pid = found.pid;
  switch (found.spec->effect) {
    case Effect::kClose:
      if (pid) {
        const auto fd = static_cast<std::uint32_t>(a.fd_closed);
        fd_cache_.release_started(*pid, found.tid, std::pair{fd, fd});
        log_.facts.release_fds(*pid, a.fd_closed, a.fd_closed);
      }
      break;
    case Effect::kCloseRange:
      if (pid) {
        fd_cache_.release_started(*pid, found.tid, std::pair{a.fd_first, a.fd_last});
        log_.facts.release_fds(*pid,
                               static_cast<int>(std::min<std::uint32_t>(a.fd_first, INT32_MAX)),
                               static_cast<int>(std::min<std::uint32_t>(a.fd_last, INT32_MAX)));
      }
      break;
    case Effect::kRename:
    case Effect::kLink: fd_cache_.paths_changing(found.tid); break;
    case Effect::kExec:
      if (pid) {
        if (preload_guard_ != nullptr) {
          preload_guard_->use().exec(*pid, found.exec_program, found.exec_library);
        }
        if (!found.launcher_exec) {
          log_.processes.exec_started(*pid, found.exec_argv);
          pending_.orphan_checks_of(*pid, found.tid);  // a successful exec ends the other threads
        }
        fd_cache_.release_started(*pid, found.tid, std::nullopt);
        log_.facts.release_fds(*pid);  // a new program reads whatever the file holds
      }
      break;
    case Effect::kUnshare:
      if (pid) {
        fd_cache_.exclude_process(*pid);  // its threads now use different tables
      } else {
        fd_cache_.disable();
      }
      break;
    case Effect::kExitThread: log_.processes.thread_exited(found.tid); break;
    case Effect::kExitProcess:
      if (pid) {
        // A watched process is forgotten when its pidfd says it is gone: threads still on
        // their way out may trap until then, and must not look like a new process.
        fd_cache_.forget_process(*pid);
        if (!log_.processes.live(*pid) || !log_.processes.live(*pid)->watched) {
          forget_process(*pid);
        }
      }
      break;
    case Effect::kOwnListener:
      if (pid) {
        nested_runs_.listener_refused(*pid);
      }
      break;
    case Effect::kDenyIoUring:
      if (found.error != 0) {
        log_.io_uring_refused = true;
        recorder_.warn(warning::kIoUringRefused, pid);
      } else {
        recorder_.incomplete(pid);
        fd_cache_.disable();  // io_uring can close descriptors without a system call
        recorder_.warn(warning::kIoUringAllowed, pid);
      }
      break;
    default: break;
  }
}

// After the call was recorded (or needed nothing recorded): what later calls may skip.
void NotificationHandler::commit_fast_path(const CallFindings& found) {
  if (found.spec == nullptr) {
    return;
  }
  if (found.to_record.settled && !found.to_record.files.pending) {
    fast_path_->resume(found.tid);
  }
  const std::optional<FastPathGrant>& grant = found.to_record.files.grant;
  if (grant && found.unseen_closes && found.pid) {
    // Its close may go unseen unless the tracer keeps a fact about the descriptor.
    const bool close = !log_.facts.has_truncating_fd(*found.pid, grant->fd);
    fast_path_->allow(found.tid, grant->fd, grant->direction, *found.unseen_closes, close);
    if (fast_path_->close_unseen(*found.pid, grant->fd)) {
      fd_cache_.forget_fd(*found.pid, grant->fd);
    }
  }
  switch (found.spec->effect) {
    case Effect::kExec:
      if (found.pid && !found.launcher_exec) {
        fast_path_->forget_process(*found.pid);  // its memory, and tables, are replaced
      }
      break;
    case Effect::kExitThread: fast_path_->forget_thread(found.tid); break;
    case Effect::kExitProcess:
      if (found.pid) {
        fast_path_->forget_process(*found.pid);
      }
      break;
    default: break;
  }
}

void NotificationHandler::failed(int tid, const char* what) noexcept {
  const std::optional<int> pid = tid != 0 ? log_.processes.tgid_of(tid) : std::nullopt;
  recorder_.incomplete(pid);
  try {
    recorder_.warn(warning::tracer_failed(what), pid);
  } catch (const std::exception&) {
    // Out of memory again: the report still says it is incomplete.
  }
}

void NotificationHandler::forget_process(int pid) {
  if (fast_path_ != nullptr) {
    fast_path_->forget_process(pid);
  }
  if (preload_guard_ != nullptr) {
    preload_guard_->use().exited(pid);
  }
  discovery_.forget(pid);
  log_.facts.forget_process(pid);
  // Checks of threads that will not trap again can no longer be settled by their next call:
  // they are kept for the end, where what they published on the file system is still visible.
  pending_.orphan_checks_of(pid, 0);
}

void NotificationHandler::process_gone(int pid) {
  if (log_.processes.live(pid) != nullptr) {
    log_.processes.died_after_exec(pid);
    forget_process(pid);
  }
}

std::optional<std::uint32_t> NotificationHandler::start_nested_run(int tracer,
                                                                   const LauncherExec& launched,
                                                                   double start_time,
                                                                   TraceeView& view) {
  const ProcessRecord* requester = log_.processes.live(tracer);
  const std::optional<ThreadStatus> root = view.status();
  if (requester == nullptr || !root || root->tgid != launched.pid || root->ppid != tracer) {
    return std::nullopt;
  }
  // The command has not exec'd yet: its argv is the one its tracer is about to exec.
  const std::optional<std::string> argv = read_argv(view, launched.argv, host_abis().front());
  const std::optional<std::string> environ = view.environ(launched.pid);
  const std::uint32_t id =
      nested_runs_.start(tracer, launched.pid, argv.value_or(""), environ.value_or(""), start_time);
  launches_.add(launched);
  return id;
}

std::optional<Report> NotificationHandler::finish_nested_run(int tracer, std::uint32_t id,
                                                             double end_time,
                                                             TraceeView& final_state) {
  NestedRun* run = nested_runs_.find(id, tracer);
  if (run == nullptr) {
    return std::nullopt;
  }
  // Checks of the run's threads that died without trapping again are settled now.
  const auto in_run = [&](const PendingChecks::Entry& e) {
    return nested_runs_.contains(id, e.pid);
  };
  for (const PendingChecks::Entry& e : pending_.take_orphans(in_run)) {
    for (const FileEvent& event : settle(e.check, final_state, run->files).events) {
      log_.files.record(event.path, event.access, e.tid);
      run->files.record(event.path, event.access, e.tid);
    }
  }
  launches_.remove(run->root);
  return nested_runs_.finish(id, end_time);
}

void NotificationHandler::settle_remaining(TraceeView& view) {
  for (std::size_t n = nested_runs_.take_listener_refusals(); n > 0; --n) {
    log_.warnings.add(warning::kOwnListener);
  }
  for (const PendingChecks::Entry& e : pending_.take_all()) {
    recorder_.settlement(settle(e.check, view, log_.files), e.tid, e.pid);
  }
  if (view.walk_refused()) {
    log_.incomplete = true;
    log_.warnings.add(warning::kWalkRefused);
  }
}

}  // namespace roar::seccomp
