// ProcTraceeView: the /proc reads behind attribution, each a single bounded system call or three.
#include "roar/seccomp/proc/proc_tracee_view.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "roar/seccomp/proc/proc_maps.hpp"
#include "roar/seccomp/util/unique_fd.hpp"

namespace roar::seccomp {
namespace {

// "<a>/<word>/<b>" without allocating: the hot path formats one of these per /proc read. Each
// part is written into a range that always fits it, so that no compiler sees a write past the end.
class ProcPath {
 public:
  ProcPath(int a, const char* word, int b = -1) {
    char* p = std::to_chars(buf_, buf_ + kIntChars, a).ptr;
    *p++ = '/';
    const std::size_t n = std::min(std::strlen(word), kWordChars);
    std::memcpy(p, word, n);
    p += n;
    if (b >= 0) {
      *p++ = '/';
      p = std::to_chars(p, p + kIntChars, b).ptr;
    }
    *p = '\0';
  }
  [[nodiscard]] const char* c_str() const noexcept { return buf_; }

 private:
  static constexpr std::size_t kIntChars = 11;   // "-2147483648"
  static constexpr std::size_t kWordChars = 16;  // the longest word is "environ"
  char buf_[kIntChars + 1 + kWordChars + 1 + kIntChars + 1];
};

std::optional<std::uint64_t> field_after(const std::string& text, std::string_view key) {
  const std::size_t at = text.find(key);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  std::size_t i = at + key.size();
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
    ++i;
  }
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + text.size(), value);
  if (ec != std::errc()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::string> read_small_file(int dir, const char* relative_path) {
  UniqueFd fd(openat(dir, relative_path, O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) {
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return std::nullopt;
    }
    if (n == 0) {
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

std::vector<int> list_numeric_entries(int dir, const char* relative_path) {
  std::vector<int> out;
  const int fd = openat(dir, relative_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return out;
  }
  DIR* d = fdopendir(fd);  // takes ownership of fd
  if (d == nullptr) {
    close(fd);
    return out;
  }
  while (const dirent* e = readdir(d)) {
    int n = 0;
    const char* end = e->d_name + std::strlen(e->d_name);
    const auto [ptr, ec] = std::from_chars(e->d_name, end, n);
    if (ec == std::errc() && ptr == end) {
      out.push_back(n);
    }
  }
  closedir(d);
  return out;
}

std::optional<std::string> read_link(int dir, const char* relative) {
  std::string out(256, '\0');
  for (;;) {
    const ssize_t n = readlinkat(dir, relative, out.data(), out.size());
    if (n < 0) {
      return std::nullopt;
    }
    if (static_cast<std::size_t>(n) < out.size()) {
      out.resize(static_cast<std::size_t>(n));
      return out;
    }
    out.resize(out.size() * 4);  // truncated: the kernel prints at most a page
  }
}

std::optional<std::string> ProcTraceeView::fd_link(int fd) {
  return note(read_link(proc_dir_, ProcPath(proc_tid_, "fd", fd).c_str()));
}

std::optional<FdAccess> ProcTraceeView::fd_access(int fd) {
  // The kernel gives each /proc/<tid>/fd link owner-read/write bits that mirror the file
  // description's FMODE_READ/FMODE_WRITE; an O_PATH descriptor has neither.
  struct stat st {};
  if (fstatat(proc_dir_, ProcPath(proc_tid_, "fd", fd).c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return note(std::optional<FdAccess>());
  }
  return FdAccess{(st.st_mode & S_IRUSR) != 0, (st.st_mode & S_IWUSR) != 0};
}

std::optional<FileStat> stat_at(int dir, const char* name, int flags) {
  struct statx stx {};
  // AT_STATX_DONT_SYNC: use cached attributes, so a FUSE file served by a blocked process of
  // the traced tree cannot block the supervisor.
  if (statx(dir, name, flags | AT_STATX_DONT_SYNC,
            STATX_TYPE | STATX_SIZE | STATX_NLINK | STATX_INO | STATX_CTIME, &stx) != 0) {
    return std::nullopt;
  }
  return FileStat{static_cast<mode_t>(stx.stx_mode & S_IFMT), stx.stx_size, stx.stx_nlink,
                  FileId{makedev(stx.stx_dev_major, stx.stx_dev_minor), stx.stx_ino},
                  Timestamp{stx.stx_ctime.tv_sec, stx.stx_ctime.tv_nsec}};
}

std::optional<FileStat> ProcTraceeView::fd_stat(int fd) {
  return stat_at(proc_dir_, ProcPath(proc_tid_, "fd", fd).c_str(), 0);
}

std::optional<std::vector<Mapping>> ProcTraceeView::mappings(std::uint64_t start,
                                                             std::uint64_t end) {
  const std::optional<std::string> maps =
      note(read_small_file(proc_dir_, ProcPath(proc_tid_, "maps").c_str()));
  if (!maps) {
    return std::nullopt;
  }
  std::vector<Mapping> out = parse_maps(*maps, start, end);
  // Whether a shared file mapping may become writable is only in smaps (VmFlags), which costs
  // a page-table walk per mapping: read it only when such a mapping is in the range.
  if (std::none_of(out.begin(), out.end(),
                   [](const Mapping& m) { return m.shared && m.id.ino != 0; })) {
    return out;
  }
  const std::optional<std::string> smaps =
      note(read_small_file(proc_dir_, ProcPath(proc_tid_, "smaps").c_str()));
  if (!smaps) {
    return std::nullopt;
  }
  return parse_maps(*smaps, start, end);
}

std::optional<std::uint64_t> ProcTraceeView::fd_position(int fd) {
  const std::optional<std::string> info =
      read_small_file(proc_dir_, ProcPath(proc_tid_, "fdinfo", fd).c_str());
  if (!info) {
    return std::nullopt;
  }
  return field_after(*info, "pos:");
}

std::optional<std::uint64_t> ProcTraceeView::pipe_bytes(int fd) {
  // Opening a pipe through its magic link adds a reader to the same pipe. O_NONBLOCK never
  // waits, and the caller already holds the read side, so no writer can be waiting on us.
  UniqueFd pipe(openat(proc_dir_, ProcPath(proc_tid_, "fd", fd).c_str(),
                       O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
  if (!pipe) {
    return std::nullopt;
  }
  int waiting = 0;
  if (ioctl(pipe.get(), FIONREAD, &waiting) != 0 || waiting < 0) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(waiting);
}

std::vector<int> ProcTraceeView::open_fds() {
  errno = 0;
  std::vector<int> fds = list_numeric_entries(proc_dir_, ProcPath(proc_tid_, "fd").c_str());
  if (fds.empty() && (errno == EACCES || errno == EPERM)) {
    denied_ = true;
  }
  return fds;
}

bool ProcTraceeView::read_memory(std::uint64_t addr, void* out, std::size_t len) {
  if (len == 0) {
    return true;
  }
  if (!caps_.memory) {
    return false;
  }
  iovec local{out, len};
  iovec remote{reinterpret_cast<void*>(addr), len};  // NOLINT(performance-no-int-to-ptr)
  const ssize_t n = process_vm_readv(tid_, &local, 1, &remote, 1, 0);
  if (n == static_cast<ssize_t>(len)) {
    return true;
  }
  // Some sandboxes deny process_vm_readv but not /proc/<tid>/mem; both need ptrace access.
  UniqueFd mem(openat(proc_dir_, ProcPath(proc_tid_, "mem").c_str(), O_RDONLY | O_CLOEXEC));
  if (!mem) {
    return false;
  }
  return pread(mem.get(), out, len, static_cast<off_t>(addr)) == static_cast<ssize_t>(len);
}

std::optional<std::string> ProcTraceeView::read_path(std::uint64_t addr) {
  constexpr std::size_t kPage = 4096;
  constexpr std::size_t kPathMax = 4096;
  std::string out;
  char buf[kPage];
  // Page by page: a string that ends just before unmapped memory is still read.
  while (out.size() < kPathMax) {
    const std::size_t chunk = std::min(kPage - addr % kPage, kPathMax - out.size());
    if (!read_memory(addr, buf, chunk)) {
      return std::nullopt;
    }
    if (const void* nul = std::memchr(buf, '\0', chunk)) {
      out.append(buf, static_cast<std::size_t>(static_cast<const char*>(nul) - buf));
      return out;
    }
    out.append(buf, chunk);
    addr += chunk;
  }
  return std::nullopt;  // longer than PATH_MAX: the call fails with ENAMETOOLONG
}

std::optional<std::string> ProcTraceeView::own_fd_path(int fd) {
  return read_link(proc_dir_, ("self/fd/" + std::to_string(fd)).c_str());
}

// Opens `path` below `base` as the caller would. Below the caller's root (`in_root`), neither
// ".." nor an absolute symlink may climb out of it: openat2 RESOLVE_IN_ROOT (Linux 5.6; older
// kernels resolve from the supervisor's root, which is the same unless the caller is chrooted).
UniqueFd open_below(int base, const std::string& path, int flags, bool in_root) {
  if (!in_root) {
    return UniqueFd(openat(base, path.c_str(), flags | O_CLOEXEC));
  }
  const std::size_t start = path.find_first_not_of('/');
  const std::string relative = start == std::string::npos ? "." : path.substr(start);
  open_how how{};
  how.flags = static_cast<unsigned>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT;
  const long fd = syscall(SYS_openat2, base, relative.c_str(), &how, sizeof how);
  if (fd >= 0 || errno != ENOSYS) {
    return UniqueFd(static_cast<int>(fd));
  }
  return UniqueFd(::open(path.c_str(), flags | O_CLOEXEC));
}

namespace {

// RESOLVE_CACHED (Linux 5.12) walks only what the dentry cache holds and fails with EAGAIN
// where the walk would have to ask a file system, so it cannot wait on a FUSE server. nullopt:
// not answered from the cache (errno EAGAIN), or no RESOLVE_CACHED here.
std::optional<UniqueFd> open_cached(int base, const std::string& path, int flags, bool in_root) {
  open_how how{};
  how.flags = static_cast<unsigned>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_CACHED;
  std::string relative;
  const char* name = path.c_str();
  if (in_root) {
    how.resolve |= RESOLVE_IN_ROOT;
    const std::size_t start = path.find_first_not_of('/');
    relative = start == std::string::npos ? "." : path.substr(start);
    name = relative.c_str();
  }
  const long fd = syscall(SYS_openat2, base, name, &how, sizeof how);
  if (fd < 0 && (errno == ENOSYS || errno == EINVAL || errno == EAGAIN)) {
    return std::nullopt;
  }
  return UniqueFd(static_cast<int>(fd));
}

}  // namespace

UniqueFd ProcTraceeView::walk(int base, const std::string& path, int flags, bool in_root,
                              Namespace where) {
  if (!may_wait_on_tree(where)) {
    return open_below(base, path, flags, in_root);
  }
  if (std::optional<UniqueFd> cached = open_cached(base, path, flags, in_root)) {
    return std::move(*cached);
  }
  if (errno == EAGAIN) {
    refused_ = true;
    return UniqueFd();
  }
  return open_below(base, path, flags, in_root);  // no RESOLVE_CACHED (Linux < 5.12)
}

bool ProcTraceeView::may_wait_on_tree(Namespace where) {
  if (fuse_ == nullptr) {
    return false;
  }
  const std::optional<FileId> caller =
      where == Namespace::kCaller ? caller_mount_namespace() : fuse_->own_namespace();
  if (!caller) {
    return true;  // cannot tell: the safe side
  }
  const bool ours = *caller == fuse_->own_namespace();
  std::optional<bool>& known = may_wait_[ours ? 0 : 1];
  if (!known) {
    known = ours ? fuse_->new_in_namespace(proc_dir_, "self", *caller)
                 : fuse_->new_in_namespace(proc_dir_, std::to_string(proc_tid_).c_str(), *caller);
  }
  return *known;
}

std::optional<FileId> ProcTraceeView::caller_mount_namespace() {
  if (!caller_mount_namespace_) {
    caller_mount_namespace_ = FileId{};
    if (const std::optional<FileStat> ns =
            stat_at(proc_dir_, ProcPath(proc_tid_, "ns/mnt").c_str(), 0)) {
      caller_mount_namespace_ = ns->id;
    }
  }
  if (*caller_mount_namespace_ == FileId{}) {
    return std::nullopt;
  }
  return caller_mount_namespace_;
}

std::optional<FileStat> ProcTraceeView::stat_name(int dir, const std::string& name, bool follow,
                                                  Namespace where) {
  if (!may_wait_on_tree(where)) {
    return stat_at(dir, name.c_str(), follow ? 0 : AT_SYMLINK_NOFOLLOW);
  }
  const UniqueFd fd = walk(dir, name, O_PATH | (follow ? 0 : O_NOFOLLOW), false, where);
  return fd ? stat_at(fd.get(), "", AT_EMPTY_PATH) : std::nullopt;
}

// Resolution runs in the supervisor, starting from the thread's own cwd or dirfd reached through
// their /proc magic links, so relative paths, dirfds and symlinked directories resolve as they
// do for the caller. "/proc/self" is rewritten: for us it would name the supervisor. Every walk
// is one that cannot wait on the traced tree (see walk()); one refused for that reason leaves
// the path unknown, or only what it names (looked_up), never "absent".
std::optional<ResolvedPath> ProcTraceeView::resolve(int dirfd, std::string_view path, bool follow) {
  refused_ = false;
  std::optional<ResolvedPath> out = resolve_walking(dirfd, path, follow);
  if (refused_ && out) {
    out->looked_up = false;
    out->stat.reset();
  } else if (refused_) {
    walk_refused_ = true;
  }
  return out;
}

std::optional<ResolvedPath> ProcTraceeView::resolve_walking(int dirfd, std::string_view path,
                                                            bool follow) {
  if (path.empty()) {
    return std::nullopt;
  }
  std::string p(path);
  for (const char* self : {"/proc/self/", "/proc/thread-self/"}) {
    if (p.starts_with(self)) {
      p = "/proc/" + std::to_string(proc_tid_) + "/" + p.substr(std::strlen(self));
    }
  }
  while (p.size() > 1 && p.back() == '/') {
    p.pop_back();
  }
  if (follow) {
    if (std::optional<int> fd = descriptor_link(p)) {
      return resolve_descriptor(*fd);
    }
  }
  const std::size_t slash = p.rfind('/');
  std::string parent = slash == std::string::npos ? "" : (slash == 0 ? "/" : p.substr(0, slash));
  std::string last = slash == std::string::npos ? p : p.substr(slash + 1);
  if (last.empty() || last == "." || last == "..") {
    parent = p;  // the path names a directory itself: resolve it whole
    last.clear();
  }
  // An absolute path starts at the caller's root (not ours, if it is chrooted).
  const bool in_root = p.front() == '/';
  UniqueFd base;
  if (in_root) {
    base.reset(
        openat(proc_dir_, ProcPath(proc_tid_, "root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  } else if (dirfd == -100) {  // AT_FDCWD
    base.reset(
        openat(proc_dir_, ProcPath(proc_tid_, "cwd").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  } else {
    base.reset(openat(proc_dir_, ProcPath(proc_tid_, "fd", dirfd).c_str(),
                      O_PATH | O_DIRECTORY | O_CLOEXEC));
  }
  if (!base) {
    return std::nullopt;
  }
  UniqueFd dir = parent.empty()
                     ? UniqueFd(dup(base.get()))
                     : walk(base.get(), parent, O_PATH | O_DIRECTORY, in_root, Namespace::kCaller);
  if (!dir) {
    return std::nullopt;
  }
  const std::optional<std::string> dir_path = own_fd_path(dir.get());
  if (!dir_path) {
    return std::nullopt;
  }
  if (last.empty()) {
    return ResolvedPath{*dir_path, stat_at(dir.get(), "", AT_EMPTY_PATH)};
  }
  ResolvedPath out{*dir_path == "/" ? "/" + last : *dir_path + "/" + last, std::nullopt};
  if (follow) {
    // O_PATH opens nothing (a FIFO does not block) but follows symlinks to the file's own name.
    const UniqueFd target = in_root ? walk(base.get(), p, O_PATH, true, Namespace::kCaller)
                                    : walk(dir.get(), last, O_PATH, false, Namespace::kCaller);
    if (target) {
      if (const std::optional<std::string> target_path = own_fd_path(target.get())) {
        out.path = *target_path;
      }
      out.stat = stat_at(target.get(), "", AT_EMPTY_PATH);
    }
  } else {
    out.stat = stat_name(dir.get(), last, false, Namespace::kCaller);
  }
  return out;
}

// "/proc/<tid>/fd/N" (what "/proc/self/fd/N" became above) or "/dev/fd/N": followed, these
// name what the caller's descriptor N refers to (linkat(..., AT_SYMLINK_FOLLOW) gives an
// O_TMPFILE file its name so). A walk would not: in the caller's root the kernel refuses to
// follow magic links, and "/dev/fd" leads to the supervisor's own /proc/self.
std::optional<int> ProcTraceeView::descriptor_link(std::string_view path) const {
  const std::string own = "/proc/" + std::to_string(proc_tid_) + "/fd/";
  for (const std::string_view prefix : {std::string_view(own), std::string_view("/dev/fd/")}) {
    if (path.starts_with(prefix)) {
      const std::string_view number = path.substr(prefix.size());
      int fd = -1;
      const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), fd);
      if (ec == std::errc() && ptr == number.data() + number.size() && fd >= 0) {
        return fd;
      }
    }
  }
  return std::nullopt;
}

std::optional<ResolvedPath> ProcTraceeView::resolve_descriptor(int fd) {
  // O_PATH opens nothing: a FIFO or a device behind the descriptor is not touched.
  const UniqueFd target(
      openat(proc_dir_, ProcPath(proc_tid_, "fd", fd).c_str(), O_PATH | O_CLOEXEC));
  if (!target) {
    return std::nullopt;
  }
  const std::optional<std::string> path = own_fd_path(target.get());
  if (!path) {
    return std::nullopt;
  }
  return ResolvedPath{*path, stat_at(target.get(), "", AT_EMPTY_PATH)};
}

std::optional<FileStat> ProcTraceeView::lstat(const std::string& path) {
  // The path is named as the supervisor sees it. A caller in a mount namespace of its own that
  // keeps our root (unshare -m, bwrap --bind / /) names the same paths but may have other
  // file systems mounted on them: the walk then runs in its view.
  if (proc_tid_ != 0 && !in_our_mount_namespace()) {
    const UniqueFd root(
        openat(proc_dir_, ProcPath(proc_tid_, "root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    const std::optional<FileStat> theirs =
        root ? stat_at(root.get(), "", AT_EMPTY_PATH) : std::nullopt;
    const std::optional<FileStat> ours = stat_at(AT_FDCWD, "/", 0);
    if (theirs && ours && theirs->id == ours->id) {
      refused_ = false;
      const UniqueFd fd = walk(root.get(), path, O_PATH | O_NOFOLLOW, true, Namespace::kCaller);
      walk_refused_ = walk_refused_ || refused_;
      return fd ? stat_at(fd.get(), "", AT_EMPTY_PATH) : std::nullopt;
    }
  }
  refused_ = false;
  std::optional<FileStat> out = stat_name(AT_FDCWD, path, false, Namespace::kSupervisor);
  walk_refused_ = walk_refused_ || refused_;
  return out;
}

bool ProcTraceeView::in_our_mount_namespace() {
  const std::optional<FileId> theirs = caller_mount_namespace();
  if (!theirs) {
    return true;
  }
  if (fuse_ != nullptr) {
    return *theirs == fuse_->own_namespace();
  }
  const std::optional<FileStat> ours = stat_at(proc_dir_, "self/ns/mnt", 0);
  return !ours || *theirs == ours->id;
}

std::optional<ThreadStatus> ProcTraceeView::status() {
  const std::optional<std::string> text =
      read_small_file(proc_dir_, ProcPath(proc_tid_, "status").c_str());
  if (!text) {
    return std::nullopt;
  }
  auto tgid = field_after(*text, "\nTgid:");
  auto ppid = field_after(*text, "\nPPid:");
  if (!tgid || !ppid) {
    return std::nullopt;
  }
  if (pids_ != nullptr && !pids_->identity()) {
    const auto ours = [this](std::uint64_t proc) -> std::optional<std::uint64_t> {
      const std::optional<int> pid = pids_->from_proc(static_cast<int>(proc));
      return pid ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(*pid)) : std::nullopt;
    };
    tgid = ours(*tgid);
    ppid = *ppid == 0 ? ppid : ours(*ppid);
    if (!tgid) {
      return std::nullopt;
    }
  }
  return ThreadStatus{static_cast<int>(*tgid), ppid ? static_cast<int>(*ppid) : 0};
}

std::optional<std::string> ProcTraceeView::cmdline(int pid) {
  return read_small_file(proc_dir_, ProcPath(proc_pid(pid), "cmdline").c_str());
}

std::optional<std::string> ProcTraceeView::environ(int pid) {
  return read_small_file(proc_dir_, ProcPath(proc_pid(pid), "environ").c_str());
}

UniqueFd ProcTraceeView::open_pidfd(int pid) {
  if (!caps_.pidfd) {
    return UniqueFd();
  }
  // pidfds are close-on-exec by definition.
  return UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
}

std::optional<bool> ProcTraceeView::same_fd_table(int a, int b) {
  constexpr int kKcmpFiles = 2;  // KCMP_FILES from <linux/kcmp.h>
  if (!caps_.kcmp) {
    return std::nullopt;
  }
  const long r = syscall(SYS_kcmp, a, b, kKcmpFiles, 0, 0);
  if (r < 0) {
    return std::nullopt;
  }
  return r == 0;
}

std::vector<int> ProcTraceeView::children(int pid) {
  std::vector<int> out;
  const int proc = proc_pid(pid);
  for (int tid : list_numeric_entries(proc_dir_, ProcPath(proc, "task").c_str())) {
    const std::string path = std::to_string(proc) + "/task/" + std::to_string(tid) + "/children";
    const std::optional<std::string> text = read_small_file(proc_dir_, path.c_str());
    if (!text) {
      continue;
    }
    const char* p = text->data();
    const char* const end = p + text->size();
    while (p < end) {
      int child = 0;
      const auto [next, ec] = std::from_chars(p, end, child);
      if (ec == std::errc()) {
        if (const std::optional<int> ours = pids_ != nullptr ? pids_->from_proc(child) : child) {
          out.push_back(*ours);
        }
        p = next;
      } else {
        ++p;
      }
    }
  }
  return out;
}

}  // namespace roar::seccomp
