// ProcessTable: every process of the traced tree, its parent, argv and environment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace roar::seccomp {

struct ProcessRecord {
  int pid = 0;
  std::optional<int> parent_pid;        // nullopt for the root only
  std::string cmdline;                  // NUL-separated argv, as /proc/<pid>/cmdline shows it
  std::string environ;                  // NUL-separated environment
  bool image_may_have_changed = false;  // an exec ran since cmdline/environ were read
  bool exited = false;
  bool watched = false;  // its pidfd is watched: its tids and fds may be cached
  // argv its latest exec was given, for a process that dies before /proc could confirm it
  std::optional<std::string> exec_argv;
  bool fd_table_checked = false;        // compared with its parent's descriptor table
  std::vector<std::uint32_t> subtrees;  // nested runs whose command this process descends from
};

// What a notification taught us about a process; applied with ProcessTable::apply.
struct ProcessSighting {
  int pid = 0;
  std::optional<int> parent_pid;
  std::optional<std::string> cmdline;
  std::optional<std::string> environ;
  bool image_may_have_changed = false;
  // Set when the process runs the image it was forked with (found through its parent before it
  // made a call, or making an exec as its first): it inherits its parent's argv and environment,
  // if the table has no record of it yet.
  bool inherits_parent_image = false;
  bool fd_table_checked = false;
};

class ProcessTable {
 public:
  // The root is known before it runs: its argv is the command as given (so a script run by its
  // shebang keeps the name the user typed) and its environment the tracer's own.
  void add_root(int pid, std::string cmdline, std::string environ);
  [[nodiscard]] int root_pid() const noexcept { return root_pid_; }

  // The live process a thread belongs to, if known for certain: only threads of watched
  // processes are remembered, since any other tid may have been reused by now.
  [[nodiscard]] std::optional<int> tgid_of(int tid) const;
  void remember_thread(int tid, int tgid);
  [[nodiscard]] const ProcessRecord* live(int pid) const;
  // The most recent process with this pid, live or exited.
  [[nodiscard]] const ProcessRecord* latest(int pid) const;
  // True if a process with this pid was recorded and has exited (it may still be a zombie).
  [[nodiscard]] bool exited(int pid) const { return exited_.contains(pid); }

  // Records what a notification saw. A new process inherits its parent's subtrees; a process
  // whose parent is a nested run's tracer belongs to that run's subtree (it is the command, or
  // an orphan of its tree re-parented to that tracer, a child subreaper).
  void apply(const ProcessSighting& sighting);
  // Process `root` (not yet exec'd) is the command of a nested run traced by `tracer`.
  void start_nested_run(std::uint32_t id, int tracer, int root, std::string cmdline,
                        std::string environ);
  void end_subtree(std::uint32_t id);
  void set_watched(int pid, bool watched);
  // The process started an exec: argv and environment must be re-read, and the threads other
  // than the caller will be gone if it succeeds.
  void exec_started(int pid, std::optional<std::string> argv = std::nullopt);
  // The process is gone without a call after its exec: the exec most likely succeeded (a failed
  // one returns to a program that goes on to make calls), so its argv is the one exec was given.
  void died_after_exec(int pid);
  void thread_exited(int tid);
  void process_exited(int pid);

  // All records, live and exited, in pid order (a reused pid appears once per process).
  [[nodiscard]] std::vector<ProcessRecord> sorted() const;

 private:
  int root_pid_ = 0;
  std::vector<ProcessRecord> records_;
  std::unordered_map<int, std::size_t> live_;          // pid -> index into records_
  std::unordered_set<int> exited_;                     // pids of recorded processes that exited
  std::unordered_map<int, std::size_t> latest_;        // pid -> index of its latest record
  std::unordered_map<int, int> tgid_of_;               // tid -> pid
  std::unordered_map<int, std::vector<int>> threads_;  // pid -> tids seen
  std::unordered_map<int, std::vector<std::uint32_t>> nested_run_tracers_;  // tracer pid -> ids
};

}  // namespace roar::seccomp
