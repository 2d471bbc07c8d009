// ProcessDiscovery: which processes and threads the traced tree has, learned as they trap.
//
// Processes are found as they trap, or through their parents; their descriptor tables decide
// what the fd cache may keep.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "roar/seccomp/attribution/fd_path_cache.hpp"
#include "roar/seccomp/attribution/process_table.hpp"
#include "roar/seccomp/attribution/tracee_view.hpp"
#include "roar/seccomp/filters/abi.hpp"
#include "roar/seccomp/proc/process_watcher.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

// What discovery read during one notification, for apply() once the notification proved valid.
struct ProcessFindings {
  // The calling thread was not known (new, or of a process that is not watched): its process was
  // looked up in /proc, and the thread is to be remembered.
  bool thread_looked_up = false;
  // For such a thread other than its process's main thread: whether it uses its process's
  // descriptor table (nullopt: not compared, kcmp refused).
  std::optional<bool> shares_process_fd_table;
  // A new process uses its parent's descriptor table (clone(CLONE_FILES) without CLONE_THREAD),
  // or the two could not be compared.
  bool shares_parent_fd_table = false;
  std::vector<ProcessSighting> sightings;
  UniqueFd pidfd;                      // for a process not watched yet
  bool orphan_without_parent = false;  // first seen after its parent died: hung under the root

  // Nothing new about any process. The binding names every field, so that a field added without
  // a decision here does not compile.
  [[nodiscard]] bool empty() const noexcept {
    const auto& [looked_up, own_table, parent_table, seen, fd, orphan] = *this;
    return !looked_up && !own_table && !parent_table && seen.empty() && !fd && !orphan;
  }
};

class ProcessDiscovery {
 public:
  // `watcher` (may be null) watches each new process's pidfd; unwatched processes are looked up
  // in /proc on every notification. `tracer_pid` is our own pid: the parent /proc shows for the
  // root and for orphans re-parented to the tracer (its child subreaper).
  ProcessDiscovery(ProcessTable& processes, ProcessWatcher* watcher, FdPathCache& fd_cache,
                   int tracer_pid) noexcept
      : processes_(processes), watcher_(watcher), fd_cache_(fd_cache), tracer_pid_(tracer_pid) {}

  // The process of calling thread `tid` (nullopt: the thread is gone, the notification is still
  // answered). For a thread of a watched process the table answers; otherwise /proc does, and
  // what is new goes to `found`. `execing`: the call is an exec, whose image the process's next
  // call shows.
  std::optional<int> see_caller(int tid, ProcessView& view, ProcessFindings& found,
                                bool execing = false) const;
  // The children of `pid` not seen yet (it waits or exits): a process that makes no traced call
  // of its own, or whose parent dies before it is seen, is found through its parent's children
  // in /proc while the parent still has them, zombies included.
  void see_children(int pid, ProcessView& view, ProcessFindings& found) const;

  // Records what a valid notification of thread `tid` of process `pid` found.
  void apply(ProcessFindings&& found, int tid, std::optional<int> pid);
  // The process is gone: it leaves the live table, the watcher and the fd cache.
  void forget(int pid);

 private:
  // A process sharing its parent's descriptor table releases descriptors that the fd cache
  // keeps for the parent. Returns whether the comparison could be made (not for the root).
  bool check_fd_table(ProcessFindings& found, ProcessView& view, std::optional<int> parent,
                      int pid) const;

  ProcessTable& processes_;
  ProcessWatcher* watcher_;
  FdPathCache& fd_cache_;
  int tracer_pid_;
};

// The argv an exec is given: the NUL-separated strings of the pointer array at `array` in the
// caller's memory; nullopt if any of it cannot be read.
std::optional<std::string> read_argv(MemoryView& memory, std::uint64_t array, const AbiInfo& abi);

}  // namespace roar::seccomp
