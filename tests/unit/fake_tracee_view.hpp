// FakeTraceeView: an in-memory TraceeView whose every answer a test sets and whose reads it counts.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "roar/seccomp/attribution/tracee_view.hpp"
#include "roar/seccomp/filters/syscall_args.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {

// What one descriptor refers to. A field left empty makes the matching read fail, as a /proc
// read does when the thread vanished.
struct FakeFd {
  std::optional<std::string> link;
  std::optional<FdAccess> access;
  std::optional<FileStat> stat;
  std::optional<std::uint64_t> position;
  std::optional<std::uint64_t> pipe_bytes;
};

// Counts per method, so that a test can prove the fast path skipped reads it did not need.
struct FakeCalls {
  int fd_link = 0;
  int fd_access = 0;
  int fd_stat = 0;
  int fd_position = 0;
  int pipe_bytes = 0;
  int open_fds = 0;
  int read_memory = 0;
  int read_path = 0;
  int open_file = 0;
  int resolve = 0;
  int lstat = 0;
  int status = 0;
  int cmdline = 0;
  int environ = 0;
  int children = 0;
  int open_pidfd = 0;
  int same_fd_table = 0;
  int mappings = 0;

  [[nodiscard]] int total() const noexcept {
    return fd_link + fd_access + fd_stat + fd_position + pipe_bytes + open_fds + read_memory +
           read_path + open_file + resolve + lstat + status + cmdline + environ + children +
           open_pidfd + same_fd_table + mappings;
  }
};

class FakeTraceeView final : public TraceeView {
 public:
  std::map<int, FakeFd> fds;
  // Readable memory: each entry is a region starting at its key; reads may not cross regions.
  std::map<std::uint64_t, std::string> memory;
  // The file system as lstat sees it: canonical absolute path -> what it names.
  std::map<std::string, FileStat> files;
  // Canonical paths whose lookup resolve() does not make (as if on a FUSE mount of the tree).
  std::set<std::string> not_looked_up;
  // Where relative paths start when the call passes AT_FDCWD; empty: the cwd cannot be read.
  std::string cwd = "/";
  std::optional<ThreadStatus> thread_status;
  std::map<int, std::string> cmdlines;
  std::map<int, std::string> environs;
  std::map<int, std::vector<int>> child_pids;
  // Whether open_pidfd succeeds (with a real descriptor, so that its owner has one to close).
  bool pidfds = true;
  // Descriptor table of each task (kcmp KCMP_FILES); a task not listed has a table of its own,
  // as a process made by fork has. A thread sharing its process's table is listed with it.
  std::map<int, int> fd_table_of;
  bool short_of_resources = false;  // as if a /proc read had failed with EMFILE
  bool kcmp_works = true;           // false: kcmp refused, nothing can be compared
  // True: /proc refused a read for lack of permission (a process that is not dumpable).
  bool access_denied = false;
  // The process's mappings, in address order; nullopt: /proc/<pid>/maps cannot be read.
  std::optional<std::vector<Mapping>> maps = std::vector<Mapping>{};
  FakeCalls calls;

  // ---- builders ------------------------------------------------------------------------------

  static FileStat stat_of(mode_t type, std::uint64_t size, std::uint64_t nlink, FileId id) {
    FileStat st;
    st.type = type;
    st.size = size;
    st.nlink = nlink;
    st.id = id;
    return st;
  }
  static FileStat regular(std::uint64_t size, std::uint64_t nlink = 1, std::uint64_t ino = 0) {
    return stat_of(S_IFREG, size, nlink, FileId{1, ino});
  }

  // A descriptor of a regular file; the file also exists at `path` in `files` (same inode).
  FakeFd& add_file(int fd, std::string path, FdAccess access, std::uint64_t size,
                   std::uint64_t position = 0) {
    const FileStat st = regular(size, 1, next_ino_++);
    files[path] = st;
    return fds[fd] = FakeFd{std::move(path), access, st, position, std::nullopt};
  }
  FakeFd& add_directory(int fd, std::string path) {
    const FileStat st = stat_of(S_IFDIR, 4096, 2, FileId{1, next_ino_++});
    files[path] = st;
    return fds[fd] = FakeFd{std::move(path), FdAccess{true, false}, st, 0, std::nullopt};
  }
  FakeFd& add_pipe(int fd, FdAccess access, std::optional<std::uint64_t> waiting) {
    return fds[fd] =
               FakeFd{"pipe:[4242]", access, stat_of(S_IFIFO, 0, 1, FileId{9, 4242}), 0, waiting};
  }
  // A NUL-terminated string in the tracee's memory, as path arguments are passed.
  void put_string(std::uint64_t addr, const std::string& s) { put_memory(addr, s + '\0'); }

  void put_memory(std::uint64_t addr, std::string bytes) { memory[addr] = std::move(bytes); }
  template <typename T>
  void put_value(std::uint64_t addr, T value) {
    std::string bytes(sizeof value, '\0');
    std::memcpy(bytes.data(), &value, sizeof value);
    put_memory(addr, std::move(bytes));
  }
  // A struct iovec array of a 64-bit ABI (8-byte base, 8-byte length) or of ia32/x32 (4 + 4).
  void put_iovecs(std::uint64_t addr, const std::vector<std::uint64_t>& lengths, unsigned width) {
    std::string bytes;
    for (std::uint64_t len : lengths) {
      const std::uint64_t base = 0x1000;
      bytes.append(reinterpret_cast<const char*>(&base), width);
      bytes.append(reinterpret_cast<const char*>(&len), width);  // little-endian low bytes
    }
    put_memory(addr, std::move(bytes));
  }

  // ---- FdLinkView, FdView --------------------------------------------------------------------

  std::optional<std::string> fd_link(int fd) override {
    ++calls.fd_link;
    const FakeFd* f = find(fd);
    return f != nullptr ? f->link : std::nullopt;
  }
  std::optional<FdAccess> fd_access(int fd) override {
    ++calls.fd_access;
    const FakeFd* f = find(fd);
    return f != nullptr ? f->access : std::nullopt;
  }
  std::optional<FileStat> fd_stat(int fd) override {
    ++calls.fd_stat;
    const FakeFd* f = find(fd);
    return f != nullptr ? f->stat : std::nullopt;
  }
  std::optional<std::uint64_t> fd_position(int fd) override {
    ++calls.fd_position;
    const FakeFd* f = find(fd);
    return f != nullptr ? f->position : std::nullopt;
  }
  std::optional<std::uint64_t> pipe_bytes(int fd) override {
    ++calls.pipe_bytes;
    const FakeFd* f = find(fd);
    return f != nullptr ? f->pipe_bytes : std::nullopt;
  }
  std::vector<int> open_fds() override {
    ++calls.open_fds;
    std::vector<int> out;
    for (const auto& entry : fds) {
      out.push_back(entry.first);
    }
    return out;
  }
  // ---- MemoryView ----------------------------------------------------------------------------

  bool read_memory(std::uint64_t addr, void* out, std::size_t len) override {
    ++calls.read_memory;
    auto it = memory.upper_bound(addr);
    if (it == memory.begin()) {
      return false;
    }
    --it;
    const std::uint64_t start = it->first;
    const std::string& bytes = it->second;
    if (addr - start > bytes.size() || len > bytes.size() - (addr - start)) {
      return false;
    }
    if (len > 0) {
      std::memcpy(out, bytes.data() + (addr - start), len);
    }
    return true;
  }
  std::optional<std::string> read_path(std::uint64_t addr) override {
    ++calls.read_path;
    auto it = memory.upper_bound(addr);
    if (it == memory.begin()) {
      return std::nullopt;
    }
    --it;
    const std::uint64_t skip = addr - it->first;
    if (skip >= it->second.size()) {
      return std::nullopt;
    }
    const std::size_t nul = it->second.find('\0', skip);
    if (nul == std::string::npos) {
      return std::nullopt;  // unterminated within readable memory
    }
    return it->second.substr(skip, nul - skip);
  }
  std::optional<std::vector<Mapping>> mappings(std::uint64_t start, std::uint64_t end) override {
    ++calls.mappings;
    if (!maps) {
      return std::nullopt;
    }
    std::vector<Mapping> out;
    for (const Mapping& m : *maps) {
      if (m.start < end && m.end > start) {
        out.push_back(m);
      }
    }
    return out;
  }
  // ---- PathView ------------------------------------------------------------------------------

  // Joins `path` to its starting directory and folds "." and ".."; the fake has no symlinks, so
  // `follow` changes nothing.
  std::optional<ResolvedPath> resolve(int dirfd, std::string_view path, bool follow) override {
    ++calls.resolve;
    static_cast<void>(follow);
    std::string base;
    if (path.empty() || path.front() != '/') {
      if (dirfd == kAtFdCwd) {
        base = cwd;
      } else {
        const FakeFd* f = find(dirfd);
        if (f == nullptr || !f->link || f->link->empty() || f->link->front() != '/') {
          return std::nullopt;
        }
        base = *f->link;
      }
      if (base.empty()) {
        return std::nullopt;
      }
    }
    std::vector<std::string> parts;
    const std::string joined = base + "/" + std::string(path);
    for (std::size_t at = 0; at <= joined.size();) {
      std::size_t end = joined.find('/', at);
      if (end == std::string::npos) {
        end = joined.size();
      }
      const std::string part = joined.substr(at, end - at);
      if (part == "..") {
        if (!parts.empty()) {
          parts.pop_back();
        }
      } else if (!part.empty() && part != ".") {
        parts.push_back(part);
      }
      at = end + 1;
    }
    std::string canonical;
    for (const std::string& part : parts) {
      canonical += "/" + part;
    }
    if (canonical.empty()) {
      canonical = "/";
    }
    ResolvedPath out{canonical, std::nullopt};
    if (not_looked_up.contains(canonical)) {
      out.looked_up = false;
    } else if (const auto it = files.find(canonical); it != files.end()) {
      out.stat = it->second;
    }
    return out;
  }
  // Programs the exec checks find: path as the caller names it -> a real file of the tests.
  std::map<std::string, std::string> programs;
  UniqueFd open_file(int dirfd, std::string_view path) override {
    static_cast<void>(dirfd);
    ++calls.open_file;
    const auto it = programs.find(std::string(path));
    return it == programs.end() ? UniqueFd()
                                : UniqueFd(open(it->second.c_str(), O_RDONLY | O_CLOEXEC));
  }
  std::optional<FileId> file_id(int dirfd, std::string_view path) override {
    static_cast<void>(dirfd);
    struct stat st {};
    const auto it = programs.find(std::string(path));
    if (it == programs.end() || ::stat(it->second.c_str(), &st) != 0) {
      return std::nullopt;
    }
    return FileId{st.st_dev, st.st_ino};
  }
  std::optional<FileStat> lstat(const std::string& path) override {
    ++calls.lstat;
    const auto it = files.find(path);
    return it == files.end() ? std::nullopt : std::optional<FileStat>(it->second);
  }
  // ---- ProcessView ---------------------------------------------------------------------------

  std::optional<ThreadStatus> status() override {
    ++calls.status;
    return thread_status;
  }
  std::optional<std::string> cmdline(int pid) override {
    ++calls.cmdline;
    return lookup(cmdlines, pid);
  }
  std::optional<std::string> environ(int pid) override {
    ++calls.environ;
    return lookup(environs, pid);
  }
  std::vector<int> children(int pid) override {
    ++calls.children;
    const auto it = child_pids.find(pid);
    return it == child_pids.end() ? std::vector<int>{} : it->second;
  }
  UniqueFd open_pidfd(int pid) override {
    ++calls.open_pidfd;
    static_cast<void>(pid);
    return pidfds ? UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC)) : UniqueFd();
  }
  std::optional<bool> same_fd_table(int a, int b) override {
    ++calls.same_fd_table;
    if (!kcmp_works) {
      return std::nullopt;
    }
    const auto table = [this](int task) {
      const auto it = fd_table_of.find(task);
      return it == fd_table_of.end() ? task : it->second;
    };
    return table(a) == table(b);
  }

  // ---- TraceeView ----------------------------------------------------------------------------

  [[nodiscard]] bool denied() const override { return access_denied; }
  [[nodiscard]] bool starved() const override { return short_of_resources; }

 private:
  std::uint64_t next_ino_ = 100;

  const FakeFd* find(int fd) const {
    const auto it = fds.find(fd);
    return it == fds.end() ? nullptr : &it->second;
  }
  static std::optional<std::string> lookup(const std::map<int, std::string>& m, int pid) {
    const auto it = m.find(pid);
    return it == m.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

}  // namespace roar::seccomp
