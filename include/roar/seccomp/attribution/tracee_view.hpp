// TraceeView: what the supervisor may learn about a thread blocked in a notification, by concern.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "roar/seccomp/attribution/file_facts.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

// Access mode of an open file description, as /proc/<tid>/fd/<n> shows it in its link mode.
// Neither bit set means an O_PATH descriptor, which can neither read nor write.
struct FdAccess {
  bool readable = false;
  bool writable = false;
};

// A file's change time (ctime), as statx reports it.
struct Timestamp {
  std::int64_t sec = 0;
  std::uint32_t nsec = 0;
  auto operator<=>(const Timestamp&) const = default;
};

// The file behind a descriptor (stat through the /proc magic link, never syncing with FUSE).
struct FileStat {
  mode_t type = 0;  // S_IFMT bits
  std::uint64_t size = 0;
  std::uint64_t nlink = 0;
  FileId id;
  Timestamp ctime;
};

// One memory mapping of a process, as /proc/<pid>/maps (and smaps) show it.
struct Mapping {
  std::uint64_t start = 0;
  std::uint64_t end = 0;  // exclusive
  bool shared = false;    // MAP_SHARED ("s")
  // May become writable (VmFlags "mw"): for a shared file mapping, its file was open for
  // writing when it was mapped. Always true for private mappings.
  bool may_write = true;
  FileId id;         // the mapped file; zero for anonymous memory
  std::string name;  // the file's path as the kernel prints it ("... (deleted)", "[heap]", "")
};

// A path argument as the caller's call resolves it: canonical (symlinks in the directories
// resolved, the last component followed or not as the call does), plus what it names now.
struct ResolvedPath {
  std::string path;
  std::optional<FileStat> stat;  // nullopt: nothing exists at the path (if looked_up)
  // false: what the last component names now is unknown, because looking it up could have
  // waited on the traced tree (a FUSE file system it serves); `stat` is then nullopt.
  bool looked_up = true;
};

struct ThreadStatus {
  int tgid = 0;  // the thread group (process) the thread belongs to
  int ppid = 0;  // the parent process
};

// What the supervisor may learn about one notifying thread, one interface per concern, so that
// each user depends on what it reads and a wrapper (CachingView) overrides only what it changes.
// The real implementation reads /proc and the thread's memory; tests use in-memory fakes. Every
// read may fail (nullopt/false) because the thread can die or be interrupted at any time; callers
// then record less, never something wrong.

// Where a descriptor points: the one answer about a descriptor that stays true until it is
// released, and so the one FdPathCache keeps.
class FdLinkView {
 public:
  virtual ~FdLinkView() = default;
  // Target of the descriptor as the kernel prints it ("/a/b", "pipe:[12]", "/x (deleted)").
  virtual std::optional<std::string> fd_link(int fd) = 0;
};

// The state of the thread's descriptors, which every call may change.
class FdView {
 public:
  virtual ~FdView() = default;
  virtual std::optional<FdAccess> fd_access(int fd) = 0;
  virtual std::optional<FileStat> fd_stat(int fd) = 0;
  // Current file position of the descriptor.
  virtual std::optional<std::uint64_t> fd_position(int fd) = 0;
  // Bytes waiting in the pipe the descriptor refers to.
  virtual std::optional<std::uint64_t> pipe_bytes(int fd) = 0;
  // Every descriptor number open in the thread's descriptor table.
  virtual std::vector<int> open_fds() = 0;
};

// `len` bytes of a traced thread's memory at `addr`, to be copied to `out`.
struct MemoryRange {
  std::uint64_t addr = 0;
  void* out = nullptr;
  std::size_t len = 0;
};

// The thread's memory: the arguments that live there, and its mappings.
class MemoryView {
 public:
  virtual ~MemoryView() = default;
  // Copies `len` bytes of the thread's memory at `addr`; false if they cannot be read.
  virtual bool read_memory(std::uint64_t addr, void* out, std::size_t len) = 0;
  // Copies several pieces of memory, in one system call where the kernel allows. Returns how
  // many ranges, counted from the first, were read whole; the others may still be readable one
  // by one. A range that crosses into unmapped memory ends the count.
  virtual std::size_t read_ranges(std::span<const MemoryRange> ranges) {
    std::size_t n = 0;
    while (n < ranges.size() && read_memory(ranges[n].addr, ranges[n].out, ranges[n].len)) {
      ++n;
    }
    return n;
  }
  // The NUL-terminated string at `addr` (at most PATH_MAX bytes).
  virtual std::optional<std::string> read_path(std::uint64_t addr) = 0;
  // The process's mappings that overlap [start, end), in address order; nullopt if unreadable.
  virtual std::optional<std::vector<Mapping>> mappings(std::uint64_t start, std::uint64_t end) = 0;
};

// Path walks as the thread would make them.
class PathView {
 public:
  virtual ~PathView() = default;
  // Resolves `path` as the thread would, relative to its fd `dirfd` or cwd (kAtFdCwd).
  virtual std::optional<ResolvedPath> resolve(int dirfd, std::string_view path, bool follow) = 0;
  // What an absolute canonical path names now (the last component not followed).
  virtual std::optional<FileStat> lstat(const std::string& path) = 0;
  // The regular file `path` names for the thread (symlinks followed, relative to `dirfd` or its
  // cwd), opened for reading without blocking; invalid if it is none or cannot be opened.
  virtual UniqueFd open_file(int dirfd, std::string_view path) = 0;
  // What open_file would open, without opening it; nullopt if it is none or cannot be looked at.
  virtual std::optional<FileId> file_id(int dirfd, std::string_view path) = 0;
  // True once a path (or, from lstat, what it names) was left unknown because walking it could
  // have waited on a FUSE file system that the traced tree may be serving itself. A resolve()
  // whose directory resolved but whose last component was not looked up only clears
  // ResolvedPath::looked_up: the caller decides whether that loses anything.
  [[nodiscard]] virtual bool walk_refused() const { return false; }
};

// The thread's process and its relatives.
class ProcessView {
 public:
  virtual ~ProcessView() = default;
  virtual std::optional<ThreadStatus> status() = 0;
  // NUL-separated argv and environment of a process, exactly as /proc shows them.
  virtual std::optional<std::string> cmdline(int pid) = 0;
  virtual std::optional<std::string> environ(int pid) = 0;
  // Live children of every thread of process `pid`.
  virtual std::vector<int> children(int pid) = 0;
  // A pidfd for process `pid` (invalid if the kernel or a sandbox refuses one).
  virtual UniqueFd open_pidfd(int pid) = 0;
  // Whether two tasks use the same descriptor table (kcmp KCMP_FILES); nullopt if unknown.
  virtual std::optional<bool> same_fd_table(int a, int b) = 0;
};

// All of it: what a view of a real thread (or a fake of one) implements.
class TraceeView : public FdLinkView,
                   public FdView,
                   public MemoryView,
                   public PathView,
                   public ProcessView {
 public:
  // True once a read failed because access was denied (a process that is not dumpable, or
  // ptrace restrictions), as opposed to a descriptor that is not open or a thread that is gone.
  // Here, not in one concern: descriptor and memory reads alike are refused so.
  [[nodiscard]] virtual bool denied() const { return false; }
  // True once a read failed because the tracer itself ran short (of descriptors or memory): what
  // it was for is unknown.
  [[nodiscard]] virtual bool starved() const { return false; }
};

// What the attribution rules read about the calling thread. The links are apart from the rest so
// that FdPathCache can answer them (CachingView) while everything else is read as it is now.
struct CallerView {
  // Implicit: wherever the rules take a CallerView, a whole TraceeView serves.
  CallerView(TraceeView& view) noexcept  // NOLINT(google-explicit-constructor)
      : links(view), fds(view), memory(view), paths(view) {}
  CallerView(FdLinkView& links_from, TraceeView& rest) noexcept
      : links(links_from), fds(rest), memory(rest), paths(rest) {}

  FdLinkView& links;
  FdView& fds;
  MemoryView& memory;
  PathView& paths;
};

}  // namespace roar::seccomp
