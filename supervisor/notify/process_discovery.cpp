// ProcessDiscovery: the caller's process, the children found through it, descriptor tables.
#include "roar/seccomp/notify/process_discovery.hpp"

#include <utility>

namespace roar::seccomp {

bool ProcessDiscovery::check_fd_table(ProcessFindings& found, ProcessView& view,
                                      std::optional<int> parent, int pid) const {
  if (!parent || *parent == tracer_pid_ || *parent == pid) {
    return false;
  }
  const std::optional<bool> shared = view.same_fd_table(*parent, pid);
  found.shares_parent_fd_table = found.shares_parent_fd_table || !shared || *shared;
  return true;
}

std::optional<int> ProcessDiscovery::see_caller(int tid, ProcessView& view, ProcessFindings& found,
                                                bool execing) const {
  std::optional<int> pid = processes_.tgid_of(tid);
  std::optional<int> ppid;
  found.thread_looked_up = !pid;
  if (!pid) {
    const std::optional<ThreadStatus> status = view.status();
    if (!status) {
      return std::nullopt;
    }
    pid = status->tgid;
    ppid = status->ppid;
    // The fd cache is keyed by process: a thread with a descriptor table of its own (clone
    // without CLONE_FILES) must not use it.
    if (tid != *pid) {
      found.shares_process_fd_table = view.same_fd_table(*pid, tid);
    }
  }
  const ProcessRecord* record = processes_.live(*pid);
  bool fd_table_checked = false;
  if (record == nullptr || !record->fd_table_checked) {
    const std::optional<int> parent = record != nullptr ? record->parent_pid : ppid;
    fd_table_checked = check_fd_table(found, view, parent, *pid);
  }
  if (record == nullptr && ppid == tracer_pid_) {
    // Re-parented to the tracer before it was seen: its parent died without a call that would
    // have listed it. It descends from the root, the closest ancestor the report can name.
    ppid = processes_.root_pid();
    found.orphan_without_parent = true;
  }
  if (record == nullptr && execing && ppid && !found.orphan_without_parent &&
      processes_.live(*ppid) != nullptr) {
    // A child of fork that execs at once (a shell running a command): until the exec, it runs
    // its parent's image, which the table holds; the next call reads the new one.
    ProcessSighting s{*pid, ppid, std::nullopt, std::nullopt, false};
    s.inherits_parent_image = true;
    found.sightings.push_back(std::move(s));
  } else if (record == nullptr) {
    found.sightings.push_back({*pid, ppid, view.cmdline(*pid), view.environ(*pid), false});
  } else if (record->image_may_have_changed && !execing) {
    // The first call after an exec (successful or not) shows the current image's argv.
    found.sightings.push_back(
        {*pid, record->parent_pid, view.cmdline(*pid), view.environ(*pid), false});
  } else if (fd_table_checked) {
    // An exec leaves the image to be read at the next call: the one the table holds is replaced
    // (or kept, if the exec fails) before anything could report it.
    found.sightings.push_back(
        {*pid, record->parent_pid, std::nullopt, std::nullopt, record->image_may_have_changed});
  }
  if (fd_table_checked) {
    found.sightings.back().fd_table_checked = true;
  }
  if (watcher_ != nullptr && (record == nullptr || !record->watched)) {
    // Opened before the validity check, so it names the process that is still in this call.
    found.pidfd = view.open_pidfd(*pid);
  }
  return pid;
}

void ProcessDiscovery::see_children(int pid, ProcessView& view, ProcessFindings& found) const {
  for (int child : view.children(pid)) {
    // A child whose exit was recorded is still listed while it finishes exiting and as a
    // zombie; its pid cannot be reused before this parent reaps it.
    if (processes_.live(child) != nullptr || processes_.exited(child)) {
      continue;
    }
    // Not seen yet, so it has made no exec: it runs the image it was forked with, its parent's.
    // Its next call, if it makes one, reads /proc (which shows argv it may have rewritten).
    ProcessSighting s{child, pid, std::nullopt, std::nullopt, true};
    s.inherits_parent_image = true;
    s.fd_table_checked = check_fd_table(found, view, pid, child);
    found.sightings.push_back(std::move(s));
  }
}

void ProcessDiscovery::apply(ProcessFindings&& found, int tid, std::optional<int> pid) {
  if (found.shares_parent_fd_table) {
    fd_cache_.disable();
  }
  if (pid && tid != *pid && found.thread_looked_up) {
    if (!found.shares_process_fd_table) {
      fd_cache_.disable();  // the tables could not be compared (kcmp refused)
    } else if (!*found.shares_process_fd_table) {
      fd_cache_.exclude_process(*pid);
    }
  }
  for (const ProcessSighting& s : found.sightings) {
    processes_.apply(s);
  }
  if (!pid) {
    return;
  }
  if (found.pidfd && watcher_ != nullptr) {
    processes_.set_watched(*pid, watcher_->watch(*pid, std::move(found.pidfd)));
  }
  processes_.remember_thread(tid, *pid);
}

void ProcessDiscovery::forget(int pid) {
  processes_.process_exited(pid);
  fd_cache_.forget_process(pid);
  if (watcher_ != nullptr) {
    watcher_->unwatch(pid);
  }
}

std::optional<std::string> read_argv(MemoryView& memory, std::uint64_t array, const AbiInfo& abi) {
  constexpr std::size_t kMaxArgs = 256;  // a fallback only: /proc gives the full argv
  std::string out;
  for (std::size_t i = 0; i < kMaxArgs; ++i) {
    std::uint64_t ptr = 0;
    if (!memory.read_memory(array + i * abi.pointer_size, &ptr, abi.pointer_size)) {
      return std::nullopt;
    }
    if (ptr == 0) {
      return out;
    }
    std::optional<std::string> arg = memory.read_path(ptr);
    if (!arg) {
      return std::nullopt;
    }
    out += *arg;
    out += '\0';
  }
  return out;
}

}  // namespace roar::seccomp
