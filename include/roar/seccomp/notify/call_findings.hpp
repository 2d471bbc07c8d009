// CallFindings: what prepare() learned about one notified call, and what commit() records.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "roar/seccomp/attribution/attribution.hpp"
#include "roar/seccomp/filters/fast_path_abi.h"
#include "roar/seccomp/filters/syscall_args.hpp"
#include "roar/seccomp/filters/syscall_spec.hpp"
#include "roar/seccomp/notify/preload_guard.hpp"
#include "roar/seccomp/notify/process_discovery.hpp"

namespace roar::seccomp {

// What the view could not show.
struct ViewLosses {
  bool denied = false;        // /proc refused to show the caller: what it did is unknown
  bool walk_refused = false;  // a path was not resolved: that could have waited on the tree
  bool starved = false;       // a /proc read failed for want of descriptors or memory

  [[nodiscard]] bool empty() const noexcept {
    const auto& [refused_proc, refused_walk, short_of] = *this;
    return !refused_proc && !refused_walk && !short_of;
  }
};

// Everything commit() records besides what the call itself does (a release, an exec, an exit),
// one group per source. Nothing to record is every group empty.
struct ToRecord {
  ProcessFindings processes;
  Attribution files;
  std::optional<Settlement> settled;  // the outcome of the caller's previous call, if pending
  std::vector<std::pair<int, std::string>> fd_links;  // read from /proc: for the fd cache
  ViewLosses losses;

  // The binding names every group, so that a group added without a decision here does not
  // compile.
  [[nodiscard]] bool empty() const noexcept {
    const auto& [processes_found, files_found, settlement, links_read, lost] = *this;
    return processes_found.empty() && files_found.empty() && !settlement && links_read.empty() &&
           lost.empty();
  }
};

struct CallFindings {
  int tid = 0;
  const SyscallSpec* spec = nullptr;  // nullptr: not a traced call, nothing read or recorded
  SyscallArgs args;
  std::optional<int> pid;  // the caller's process (nullopt: the thread is gone)
  int error = 0;           // non-zero: fail the call with this errno instead of letting it run
  // The supervisor answers the call itself (0, or `error`) instead of letting it run.
  bool answered_here = false;
  // The fast path's registration of a thread's table, as the caller passed it.
  std::optional<roar_fast_path_registration> registration;
  // A read or write of a thread with a fast-path table: how many times its process had closed
  // the descriptor without a notification, read before anything about the descriptor was.
  std::optional<std::uint32_t> unseen_closes;
  // An exec whose program must not load the preload library: its environment, edited.
  std::vector<MemoryEdit> environment_edits;
  // An exec: the program it runs (nullopt: not looked at), and whether it loads the library.
  std::optional<FileId> exec_program;
  bool exec_library = false;
  // An exec: the launcher's own (its descriptors are the tracer's), or else the argv it was
  // given (NUL-separated), for a process that dies before /proc shows its new image.
  bool launcher_exec = false;
  std::optional<std::string> exec_argv;
  ToRecord to_record;

  // True when commit() would record nothing: a call that moves bytes, made by a known thread on
  // a file it already read or wrote, the common case. Such a notification needs no validity
  // check and no commit.
  [[nodiscard]] bool nothing_to_record() const noexcept;
};

}  // namespace roar::seccomp
