// NotificationHandler: turns one notification into recorded facts and the answer to send.
#pragma once

#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "roar/seccomp/attribution/access_table.hpp"
#include "roar/seccomp/attribution/attribution.hpp"
#include "roar/seccomp/attribution/fd_path_cache.hpp"
#include "roar/seccomp/attribution/file_facts.hpp"
#include "roar/seccomp/attribution/process_table.hpp"
#include "roar/seccomp/attribution/run_record.hpp"
#include "roar/seccomp/attribution/tracee_view.hpp"
#include "roar/seccomp/attribution/warnings.hpp"
#include "roar/seccomp/filters/syscall_index.hpp"
#include "roar/seccomp/notify/notification.hpp"
#include "roar/seccomp/proc/process_watcher.hpp"
#include "roar/seccomp/report/report.hpp"

namespace roar::seccomp {

// The warning for programs refused a listener of their own (a nested roar-seccomp is no news).
inline constexpr const char* kOwnListenerWarning =
    "a traced program asked for a seccomp listener of its own; the kernel allows one per "
    "process and this tracer holds it, so the program got EBUSY";

// The warning for path arguments left unresolved so as not to wait on the traced tree.
inline constexpr const char* kWalkRefusedWarning =
    "a path argument led into a FUSE file system mounted during the run, which the traced "
    "command may be serving itself: it was not resolved (that could have waited forever), so a "
    "rename, link, truncate or truncating open through it may be missing from this report";

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
  bool denied = false;                 // /proc refused to show the caller: what it did is unknown
  bool walk_refused = false;  // a path was not resolved: that could have waited on the tree
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
  NotificationHandler(const SyscallIndex& index, RunRecord& log, LauncherExec launcher,
                      bool allow_io_uring, ProcessWatcher* watcher = nullptr);

  // Reads what the notification needs through `view`. Records nothing: the reads are trusted
  // only if the notification is still valid afterwards (the thread may have died and its tid
  // been reused, or a signal may have abandoned the call).
  Prepared prepare(const Notification& n, TraceeView& view);
  void commit(Prepared&& p);

  // A watched process exited, maybe without an exit call we saw (killed by a signal).
  void process_gone(int pid);

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
  void drop_nested_runs_of(int tracer);
  // True if `pid` is a live process of the traced tree.
  [[nodiscard]] bool traces(int pid) const { return log_.processes.live(pid) != nullptr; }

  // Settles the checks of threads that never trapped again (killed, or the run was cut short)
  // against the final state of the file system, and adds the warnings known only at the end;
  // `view` needs no live thread.
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
  void orphan_checks_of(int pid, int except_tid);
  bool is_launcher_exec(const Notification& n) const;
  // Records an access in the run's log and in the logs of the subtrees the process is in.
  void record_access(const FileEvent& e, int tid, std::optional<int> pid);
  void warn(const std::string& message, std::optional<int> pid);
  void mark_incomplete(std::optional<int> pid);

  struct Launch {
    LauncherExec exec;
    bool running = false;  // the program runs: later execs are its own
  };
  struct NestedRun {
    int tracer = 0;
    int root = 0;
    double start_time = 0;
    AccessTable files;
    Warnings warnings;
    bool incomplete = false;
  };

  const SyscallIndex& index_;
  RunRecord& log_;
  std::vector<Launch> launches_;  // the run's own command, and those of nested runs
  std::map<std::uint32_t, NestedRun> nested_runs_;
  std::uint32_t next_nested_run_ = 1;
  bool allow_io_uring_;
  ProcessWatcher* watcher_;
  FdPathCache fd_cache_;
  std::unordered_map<int, Pending> pending_;  // tid -> check to settle at its next call
  std::vector<Pending> orphaned_;             // checks of threads that died, for the end
  // Processes refused a listener of their own; a nested roar-seccomp is no news.
  std::vector<int> listener_askers_;
};

}  // namespace roar::seccomp
