// NotificationHandler: turns one notification into recorded facts and the answer to send.
#pragma once

#include <optional>
#include <unordered_map>
#include <vector>

#include "roar/seccomp/access_log.hpp"
#include "roar/seccomp/attribution.hpp"
#include "roar/seccomp/notification.hpp"
#include "roar/seccomp/process_table.hpp"
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
  std::optional<int> pid;  // the caller's process
  Attribution attribution;
  std::vector<ProcessSighting> sightings;
  Settlement settled;  // the outcome of the caller's previous call, if it was pending
  bool settled_pending = false;
  bool launcher_exec = false;
  int error = 0;  // non-zero: fail the call with this errno instead of letting it run
};

class NotificationHandler {
 public:
  NotificationHandler(const SyscallIndex& index, TraceLog& log, LauncherExec launcher,
                      bool allow_io_uring);

  // Reads what the notification needs through `view`. Records nothing: the reads are trusted
  // only if the notification is still valid afterwards (the thread may have died and its tid
  // been reused, or a signal may have abandoned the call).
  Prepared prepare(const Notification& n, TraceeView& view);
  void commit(Prepared&& p);

  // Settles the checks of threads that never trapped again (killed, or the run was cut short)
  // against the final state of the file system; `view` needs no live thread.
  void settle_remaining(TraceeView& view);

 private:
  void see_process(Prepared& p, TraceeView& view);
  void see_children(Prepared& p, TraceeView& view, int pid);
  void record(const Settlement& s, int tid, std::optional<int> pid);

  const SyscallIndex& index_;
  TraceLog& log_;
  LauncherExec launcher_;
  bool launcher_phase_ = true;
  bool allow_io_uring_;
  struct Pending {
    PendingCheck check;
    std::optional<int> pid;
  };
  std::unordered_map<int, Pending> pending_;  // tid -> check to settle at its next call
};

}  // namespace roar::seccomp
