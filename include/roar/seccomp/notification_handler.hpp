// NotificationHandler: turns one notification into recorded facts and the answer to send.
#pragma once

#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "roar/seccomp/access_log.hpp"
#include "roar/seccomp/attribution.hpp"
#include "roar/seccomp/fd_path_cache.hpp"
#include "roar/seccomp/file_facts.hpp"
#include "roar/seccomp/notification.hpp"
#include "roar/seccomp/process_table.hpp"
#include "roar/seccomp/process_watcher.hpp"
#include "roar/seccomp/syscall_index.hpp"
#include "roar/seccomp/tracee_view.hpp"
#include "roar/seccomp/warnings.hpp"

namespace roar::seccomp {

// Everything a traced run learns; owned by the run, filled by the handler.
struct TraceLog {
  AccessLog files;
  FileFacts facts;
  ProcessTable processes;
  Warnings warnings;
  std::uint64_t notifications = 0;
  bool io_uring_refused = false;
};

// The launcher's own execve of the command: its argv and envp pointers in the child's memory.
// Until the program runs, execs of the root with exactly these pointers are the launcher's, so
// they do not replace the command as the user gave it (a script keeps its name, not its
// interpreter's).
struct LauncherExec {
  int pid = 0;
  std::uint64_t argv = 0;
  std::uint64_t argv_fallback = 0;  // ["/bin/sh", file, args...] for a file without #! (ENOEXEC)
  std::uint64_t envp = 0;
};

// What prepare() found; commit() records it.
struct Prepared {
  int tid = 0;
  const SyscallSpec* spec = nullptr;
  SyscallArgs args;
  std::optional<int> pid;  // the caller's process
  bool pid_from_cache = false;
  bool orphan_without_parent = false;  // first seen after its parent died
  Attribution attribution;
  std::vector<ProcessSighting> sightings;
  UniqueFd pidfd;      // for a process seen for the first time
  Settlement settled;  // the outcome of the caller's previous call, if it was pending
  bool settled_pending = false;
  std::vector<std::pair<int, std::string>> fd_links;  // read from /proc: cache them
  bool launcher_exec = false;
  std::optional<std::string> exec_argv;  // NUL-separated argv an exec was given
  // A thread seen for the first time: whether it shares its process's descriptor table
  // (nullopt: not checked, or kcmp refused).
  std::optional<bool> fd_table;
  bool shares_parent_fd_table = false;  // a new process using its parent's descriptor table
  int error = 0;  // non-zero: fail the call with this errno instead of letting it run

  // True when commit() would record nothing: a call on a known file by a known thread, the
  // common case. Such a notification needs no validity check and no commit.
  [[nodiscard]] bool quiet() const noexcept;
};

class NotificationHandler {
 public:
  // `watcher` (may be null) watches each new process's pidfd; unwatched processes are looked up
  // in /proc on every notification.
  NotificationHandler(const SyscallIndex& index, TraceLog& log, LauncherExec launcher,
                      bool allow_io_uring, ProcessWatcher* watcher = nullptr);

  // Reads what the notification needs through `view`. Records nothing: the reads are trusted
  // only if the notification is still valid afterwards (the thread may have died and its tid
  // been reused, or a signal may have abandoned the call).
  Prepared prepare(const Notification& n, TraceeView& view);
  void commit(Prepared&& p);

  // A watched process exited, maybe without an exit call we saw (killed by a signal).
  void process_gone(int pid);

  // Settles the checks of threads that never trapped again (killed, or the run was cut short)
  // against the final state of the file system; `view` needs no live thread.
  void settle_remaining(TraceeView& view);

 private:
  struct Pending {
    PendingCheck check;
    std::optional<int> pid;
    int tid = 0;
  };

  void see_process(Prepared& p, TraceeView& view);
  void see_children(Prepared& p, TraceeView& view, int pid);
  bool check_fd_table(Prepared& p, TraceeView& view, std::optional<int> parent, int pid) const;
  std::optional<std::string> read_exec_argv(std::uint64_t array, const AbiInfo& abi,
                                            TraceeView& view) const;
  void record(const Settlement& s, int tid, std::optional<int> pid);
  void commit_process(Prepared& p);
  void commit_effect(const Prepared& p);
  void forget_process(int pid);

  const SyscallIndex& index_;
  TraceLog& log_;
  LauncherExec launcher_;
  bool launcher_phase_ = true;
  bool allow_io_uring_;
  ProcessWatcher* watcher_;
  FdPathCache fd_cache_;
  std::unordered_map<int, Pending> pending_;  // tid -> check to settle at its next call
  std::vector<Pending> orphaned_;             // checks of threads that died, for the end
};

}  // namespace roar::seccomp
