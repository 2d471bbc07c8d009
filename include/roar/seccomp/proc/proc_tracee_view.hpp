// ProcTraceeView: the TraceeView of a real thread, over /proc and process_vm_readv.
#pragma once

#include <cerrno>
#include <limits>

#include "roar/seccomp/attribution/tracee_view.hpp"
#include "roar/seccomp/proc/fuse_mounts.hpp"
#include "roar/seccomp/proc/proc_files.hpp"
#include "roar/seccomp/proc/proc_pids.hpp"

namespace roar::seccomp {

// What the view may use; tests switch parts off to exercise the tracer's fallbacks
// (ROAR_SECCOMP_TEST_FAULTS, see README).
struct ViewCapabilities {
  bool memory = true;  // process_vm_readv and /proc/<tid>/mem
  bool pidfd = true;   // pidfd_open
  bool kcmp = true;    // kcmp(KCMP_FILES)
  // Descriptors the tracer keeps (a process's pidfd, its /proc/PID/mem) only while their number
  // is below this: the rest of the limit stays free for the /proc reads every call needs.
  int keep_below = std::numeric_limits<int>::max();

  // All of them, less those ROAR_SECCOMP_TEST_FAULTS=memory,pidfd,kcmp takes away: the test
  // suite's way to exercise the tracer's fallbacks.
  static ViewCapabilities from_environment();
};

// Only reads that cannot block on the traced tree are made: readlink of magic links (which only
// formats a path), statx with AT_STATX_DONT_SYNC (no FUSE round trip), /proc text files, a
// non-blocking open of a pipe the thread already reads from, and path walks that either come
// from the dentry cache or cannot reach a FUSE file system mounted during the run.
// Implemented by concern: proc_fd_facts.cpp (FdLinkView, FdView), proc_memory.cpp (MemoryView),
// proc_path_walks.cpp (PathView), proc_process_facts.cpp (ProcessView).
class ProcTraceeView final : public TraceeView {
 public:
  // `proc_dir` is an open descriptor of /proc; `tid` the notifying thread.
  // `pids` (may be null: /proc is the tracer's namespace) translates pids for /proc.
  // `fuse` (may be null: walk freely) names the FUSE file systems that were there before.
  ProcTraceeView(int proc_dir, int tid, ViewCapabilities caps = {}, const ProcPids* pids = nullptr,
                 FuseMounts* fuse = nullptr) noexcept
      : proc_dir_(proc_dir),
        tid_(tid),
        proc_tid_(pids == nullptr || pids->identity() ? tid : pids->to_proc(tid).value_or(0)),
        caps_(caps),
        pids_(pids),
        fuse_(fuse) {}

  // FdLinkView, FdView
  std::optional<std::string> fd_link(int fd) override;
  std::optional<FdAccess> fd_access(int fd) override;
  std::optional<FileStat> fd_stat(int fd) override;
  std::optional<std::uint64_t> fd_position(int fd) override;
  std::optional<std::uint64_t> pipe_bytes(int fd) override;
  std::vector<int> open_fds() override;

  // MemoryView
  bool read_memory(std::uint64_t addr, void* out, std::size_t len) override;
  std::size_t read_ranges(std::span<const MemoryRange> ranges) override;
  std::optional<std::string> read_path(std::uint64_t addr) override;
  std::optional<std::vector<Mapping>> mappings(std::uint64_t start, std::uint64_t end) override;

  // PathView
  std::optional<ResolvedPath> resolve(int dirfd, std::string_view path, bool follow) override;
  std::optional<FileStat> lstat(const std::string& path) override;
  UniqueFd open_file(int dirfd, std::string_view path) override;
  std::optional<FileId> file_id(int dirfd, std::string_view path) override;
  [[nodiscard]] bool walk_refused() const override { return walk_refused_; }

  // ProcessView
  std::optional<ThreadStatus> status() override;
  std::optional<std::string> cmdline(int pid) override;
  std::optional<std::string> environ(int pid) override;
  std::vector<int> children(int pid) override;
  UniqueFd open_pidfd(int pid) override;
  std::optional<bool> same_fd_table(int a, int b) override;

  [[nodiscard]] bool denied() const override { return denied_; }
  [[nodiscard]] bool starved() const override { return starved_; }

 private:
  // ---- path walks (proc_path_walks.cpp) ----
  // Whose mount namespace a walk runs in: the caller's (from its root, cwd or a dirfd) or ours.
  enum class Namespace { kCaller, kSupervisor };

  // Opens `path` below `base` (see open_below) without waiting on the traced tree: a plain walk
  // unless the namespace has a FUSE file system mounted during the run, then only from the
  // dentry cache; a walk that would need more fails with EAGAIN and sets refused_.
  UniqueFd walk(int base, const std::string& path, int flags, bool in_root, Namespace where);
  // An O_PATH descriptor of the regular file `path` names for the caller (see open_file), and
  // what it is.
  UniqueFd regular_file(int dirfd, std::string_view path, FileStat& st);
  bool may_wait_on_tree(Namespace where);
  std::optional<FileStat> stat_name(int dir, const std::string& name, bool follow, Namespace where);
  bool in_our_mount_namespace();
  // The inode of /proc/<tid>/ns/mnt, read once per view; nullopt if unreadable.
  std::optional<FileId> caller_mount_namespace();
  std::optional<ResolvedPath> resolve_walking(int dirfd, std::string_view path, bool follow);
  // The descriptor number a caller's path names through a magic link, if it is one.
  [[nodiscard]] std::optional<int> descriptor_link(std::string_view path) const;
  std::optional<ResolvedPath> resolve_descriptor(int fd);
  // The canonical path of one of the supervisor's own descriptors.
  std::optional<std::string> own_fd_path(int fd);

  // Notes why a /proc read failed (errno) when that was a refusal, or the tracer running short;
  // a descriptor that is not open or a thread that is gone is neither.
  void note_failure() noexcept {
    denied_ = denied_ || errno == EACCES || errno == EPERM;
    note_shortage();
  }
  // Only the tracer running short: a path walk the caller may not make fails with EACCES too.
  void note_shortage() noexcept {
    starved_ = starved_ || errno == EMFILE || errno == ENFILE || errno == ENOMEM;
  }
  // The same for a read whose result is empty when it failed; passes `result` through.
  template <typename T>
  T note(T result) {
    if (!result) {
      note_failure();
    }
    return result;
  }
  // Only a shortage, for reads whose refusal says nothing about the descriptors (a process's
  // environ, say, which /proc keeps from anyone but its tracer); passes `result` through.
  template <typename T>
  T note_if_short(T result) {
    if (!result) {
      note_shortage();
    }
    return result;
  }

  [[nodiscard]] int proc_pid(int pid) const {
    return pids_ == nullptr || pids_->identity() ? pid : pids_->to_proc(pid).value_or(0);
  }

  // ---- the thread, as each concern needs it ----
  int proc_dir_;
  int tid_;       // in the tracer's pid namespace: notifications, process_vm_readv, pidfds
  int proc_tid_;  // the same thread as /proc names it
  ViewCapabilities caps_;
  const ProcPids* pids_;
  FuseMounts* fuse_;
  bool denied_ = false;   // a descriptor or mapping read was refused
  bool starved_ = false;  // a read failed for want of descriptors or memory

  // ---- descriptors: the last one asked about, once per view (a rule asks several times; the
  // thread waits in its call meanwhile, and only notified calls can replace a descriptor) ----
  template <typename T>
  struct Memo {
    int fd = -1;
    std::optional<T> value;
  };
  Memo<FileStat> stat_memo_;
  Memo<FdAccess> access_memo_;

  // ---- path walks: read once per view ----
  std::optional<bool> may_wait_[2];               // ours, the caller's other one
  std::optional<FileId> caller_mount_namespace_;  // FileId{}: unreadable
  bool walk_refused_ = false;                     // something was lost to a refused walk
  bool refused_ = false;  // the walks since the last reset: was one refused?
};

}  // namespace roar::seccomp
