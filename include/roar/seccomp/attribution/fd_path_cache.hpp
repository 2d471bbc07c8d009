// FdPathCache: what /proc/<tid>/fd/<n> showed, per process and descriptor, for as long as the
// descriptor cannot have changed; it spares the readlink on most read and write notifications.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "roar/seccomp/attribution/tracee_view.hpp"

namespace roar::seccomp {

// A descriptor number changes meaning only after it is released, and every call that releases
// one is notified (close, close_range, dup2/dup3 onto it, exec, exit), except the closes the fast
// path lets through, whose descriptors are never cached (FastPath::close_unseen). New descriptors
// take free numbers only. So an entry stays valid until such a call, provided that (a) the
// process is the same incarnation (its pidfd has not fired), (b) its threads share one descriptor
// table and no other process shares it (CLONE_FILES without CLONE_THREAD, or unshare(CLONE_FILES),
// turn the cache off), and (c) no entry is stored while a release is in flight (the call runs
// only after it is answered, so the releasing thread's next notification ends the flight).
class FdPathCache {
 public:
  [[nodiscard]] bool enabled() const noexcept { return enabled_; }
  // For good: descriptor tables are shared in ways the cache cannot follow.
  void disable() {
    enabled_ = false;
    links_.clear();
  }

  // Threads of `pid` use more than one descriptor table: nothing of it is cached any more.
  void exclude_process(int pid) {
    excluded_.insert(pid);
    links_.erase(pid);
  }

  [[nodiscard]] const std::string* find(int pid, int fd) const;
  // Stores a link read while no release was in flight in the process.
  void insert(int pid, int fd, std::string link);
  // Descriptor `fd` of `pid` may be closed without a notification from now on.
  void forget_fd(int pid, int fd);

  // Thread `tid` of `pid` is about to release `fds` (all of them when nullopt): forget them
  // and store nothing for the process until the thread's next notification (release_done).
  void release_started(int pid, int tid,
                       std::optional<std::pair<std::uint32_t, std::uint32_t>> fds);
  // Thread `tid` is about to rename or link: any path may change. Forget every link and store
  // none until its next notification.
  void paths_changing(int tid);
  // Thread `tid` trapped again (or is gone): its release or rename has happened.
  void release_done(int tid);
  // The process exited or was replaced.
  void forget_process(int pid);

 private:
  bool enabled_ = true;
  std::unordered_map<int, std::unordered_map<int, std::string>> links_;  // pid -> fd -> link
  std::unordered_map<int, std::unordered_set<int>> releasing_;           // pid -> tids
  std::unordered_map<int, int> releasing_tid_;  // tid -> pid (0: a path change, all processes)
  std::unordered_set<int> excluded_;
};

// The links of one process's descriptors, answered from the cache where it has them; what it had
// to read is remembered, so that the caller can store it once the notification proved valid.
// Pair it with the live view in a CallerView: only links are cached.
class CachingView final : public FdLinkView {
 public:
  CachingView(FdLinkView& inner, const FdPathCache& cache, int pid) noexcept
      : inner_(inner), cache_(cache), pid_(pid) {}

  std::optional<std::string> fd_link(int fd) override;

  // Links read from /proc during this notification.
  std::vector<std::pair<int, std::string>> take_reads() { return std::move(reads_); }

 private:
  FdLinkView& inner_;
  const FdPathCache& cache_;
  int pid_;
  std::vector<std::pair<int, std::string>> reads_;
};

}  // namespace roar::seccomp
