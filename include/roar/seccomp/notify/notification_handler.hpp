// NotificationHandler: turns one notification into recorded facts and the answer to send.
#pragma once

#include <cstdint>
#include <optional>

#include "roar/seccomp/attribution/fast_path.hpp"
#include "roar/seccomp/attribution/fd_path_cache.hpp"
#include "roar/seccomp/attribution/run_record.hpp"
#include "roar/seccomp/attribution/tracee_view.hpp"
#include "roar/seccomp/filters/syscall_index.hpp"
#include "roar/seccomp/notify/call_findings.hpp"
#include "roar/seccomp/notify/launcher_execs.hpp"
#include "roar/seccomp/notify/nested_runs.hpp"
#include "roar/seccomp/notify/notification.hpp"
#include "roar/seccomp/notify/pending_checks.hpp"
#include "roar/seccomp/notify/process_discovery.hpp"
#include "roar/seccomp/notify/run_recorder.hpp"
#include "roar/seccomp/proc/process_watcher.hpp"
#include "roar/seccomp/report/report.hpp"

namespace roar::seccomp {

// The order of a notification's life: prepare() reads, the supervisor checks that the
// notification is still valid (unless nothing is to be recorded) and answers, commit() records.
class NotificationHandler {
 public:
  // `watcher` (may be null) watches each new process's pidfd; unwatched processes are looked up
  // in /proc on every notification.
  // `fast_path` (may be null: off) holds the preload library's tables; `preload_guard` (may be
  // null) keeps the library from programs it would change.
  NotificationHandler(const SyscallIndex& index, RunRecord& log, LauncherExec launcher,
                      bool allow_io_uring, ProcessWatcher* watcher = nullptr,
                      FastPath* fast_path = nullptr, PreloadGuard* preload_guard = nullptr);
  NotificationHandler(const NotificationHandler&) = delete;
  NotificationHandler& operator=(const NotificationHandler&) = delete;

  // Reads what the notification needs through `view`. Records nothing: the reads are trusted
  // only if the notification is still valid afterwards (the thread may have died and its tid
  // been reused, or a signal may have abandoned the call).
  CallFindings prepare(const Notification& n, TraceeView& view);
  // Once the notification proved valid, before it is answered: what must hold before the call
  // runs (the fast path's tables: a registration taken, descriptors released revoked).
  void before_answer(CallFindings& found);
  void commit(CallFindings&& found);

  // A watched process exited, maybe without an exit call we saw (killed by a signal).
  void process_gone(int pid);
  // Looking at a call of thread `tid` (0: an exit) or recording it threw `what`: the call was
  // answered all the same, so the report says it is incomplete.
  void failed(int tid, const char* what) noexcept;

  // Nested runs. A roar-seccomp inside the traced tree cannot have a listener of its own: its
  // tracer process `tracer` asks for a report of the subtree of its command `launched.pid`
  // (forked, not yet exec'd; `view` reads it). Returns the subtree's id, or nullopt if the
  // request does not come from the command's parent in this tree.
  std::optional<std::uint32_t> start_nested_run(int tracer, const LauncherExec& launched,
                                                double start_time, TraceeView& view);
  // The subtree's report, once its tree is gone; nullopt for an unknown id or another tracer.
  std::optional<Report> finish_nested_run(int tracer, std::uint32_t id, double end_time,
                                          TraceeView& final_state);
  // The nested run went away without finishing.
  void drop_nested_runs_of(int tracer) { nested_runs_.drop_of(tracer); }
  // True if `pid` is a live process of the traced tree.
  [[nodiscard]] bool traces(int pid) const { return log_.processes.live(pid) != nullptr; }

  // Settles the checks of threads that never trapped again (killed, or the run was cut short)
  // against the final state of the file system, and adds the warnings known only at the end;
  // `view` needs no live thread.
  void settle_remaining(TraceeView& view);

 private:
  void record(CallFindings& found);
  void commit_effect(const CallFindings& found);
  void commit_fast_path(const CallFindings& found);
  std::optional<std::uint32_t> unseen_closes(int tid, int fd, MemoryView& view) const;
  void forget_process(int pid);

  const SyscallIndex& index_;
  RunRecord& log_;
  bool allow_io_uring_;
  FdPathCache fd_cache_;
  ProcessDiscovery discovery_;
  PendingChecks pending_;
  LauncherExecs launches_;  // the run's own command, and those of nested runs
  NestedRuns nested_runs_;
  RunRecorder recorder_;
  FastPath* fast_path_;
  PreloadGuard* preload_guard_;
};

}  // namespace roar::seccomp
