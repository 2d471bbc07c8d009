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
// one is notified (close, close_range, dup2/dup3 onto it, exec, exit). New descriptors take free
// numbers only. So an entry stays valid until such a call, provided that (a) the process is the
// same incarnation (its pidfd has not fired), (b) its threads share one descriptor table and no
// other process shares it (CLONE_FILES without CLONE_THREAD, or unshare(CLONE_FILES), turn the
// cache off), and (c) no entry is stored while a release is in flight (the call runs only after
// it is answered, so the releasing thread's next notification ends the flight).
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

// A TraceeView that answers fd_link from the cache and remembers what it had to read, so that
// the caller can store it once the notification proved valid.
class CachingView final : public TraceeView {
 public:
  CachingView(TraceeView& inner, const FdPathCache& cache, int pid) noexcept
      : inner_(inner), cache_(cache), pid_(pid) {}

  std::optional<std::string> fd_link(int fd) override;
  std::optional<FdAccess> fd_access(int fd) override { return inner_.fd_access(fd); }
  std::optional<FileStat> fd_stat(int fd) override { return inner_.fd_stat(fd); }
  std::optional<std::uint64_t> fd_position(int fd) override { return inner_.fd_position(fd); }
  std::optional<std::uint64_t> pipe_bytes(int fd) override { return inner_.pipe_bytes(fd); }
  std::vector<int> open_fds() override { return inner_.open_fds(); }
  bool read_memory(std::uint64_t addr, void* out, std::size_t len) override {
    return inner_.read_memory(addr, out, len);
  }
  std::optional<std::string> read_path(std::uint64_t addr) override {
    return inner_.read_path(addr);
  }
  std::optional<ResolvedPath> resolve(int dirfd, std::string_view path, bool follow) override {
    return inner_.resolve(dirfd, path, follow);
  }
  std::optional<FileStat> lstat(const std::string& path) override { return inner_.lstat(path); }
  std::optional<std::vector<Mapping>> mappings(std::uint64_t start, std::uint64_t end) override {
    return inner_.mappings(start, end);
  }
  std::optional<ThreadStatus> status() override { return inner_.status(); }
  std::optional<std::string> cmdline(int pid) override { return inner_.cmdline(pid); }
  std::optional<std::string> environ(int pid) override { return inner_.environ(pid); }
  std::vector<int> children(int pid) override { return inner_.children(pid); }
  UniqueFd open_pidfd(int pid) override { return inner_.open_pidfd(pid); }
  std::optional<bool> same_fd_table(int a, int b) override { return inner_.same_fd_table(a, b); }
  [[nodiscard]] bool denied() const override { return inner_.denied(); }
  [[nodiscard]] bool walk_refused() const override { return inner_.walk_refused(); }

  // Links read from /proc during this notification.
  std::vector<std::pair<int, std::string>> take_reads() { return std::move(reads_); }

 private:
  TraceeView& inner_;
  const FdPathCache& cache_;
  int pid_;
  std::vector<std::pair<int, std::string>> reads_;
};

}  // namespace roar::seccomp
